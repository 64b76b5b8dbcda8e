package numbers

import (
	"slices"
	"strconv"
	"time"
	// The caller's local time must not depend on whether the machine has a
	// zoneinfo database installed (minimal containers, Windows).
	_ "time/tzdata"

	"github.com/nyaruka/phonenumbers"
)

// Where a LocalTime came from.
const (
	ZoneFromContact = "contact" // the contact's own time-zone override
	ZoneFromNumber  = "number"  // the number's prefix
	ZoneUnknown     = "unknown" // nothing to go on
)

// LocalTime is the caller's local time as far as it can honestly be known.
type LocalTime struct {
	// Zone is the best guess (an IANA name); "" when there is none.
	Zone string `json:"zone"`
	// Time is now in Zone; zero when Zone is "".
	Time time.Time `json:"time"`
	// Certain is false when the number fits zones with different clocks, or
	// only a country-wide default (a Russian mobile could be anywhere from
	// Kaliningrad to Kamchatka even though the prefix data says Moscow).
	Certain bool `json:"certain"`
	// Source is ZoneFromContact, ZoneFromNumber or ZoneUnknown.
	Source string `json:"source"`
	// Candidates lists every zone the number may be in when not Certain.
	Candidates []string `json:"candidates,omitempty"`
}

// LocalTime works out the local time at now for a caller with this number.
// A non-empty override (the contact's own zone) wins when it names a real
// zone; an unknown override is ignored rather than trusted.
func (n *Normalizer) LocalTime(num Number, override string, now time.Time) LocalTime {
	if override != "" {
		if location, ok := n.location(override); ok {
			return LocalTime{Zone: override, Time: now.In(location), Certain: true, Source: ZoneFromContact}
		}
	}
	unknown := LocalTime{Source: ZoneUnknown}
	parsed := num.phoneNumber()
	if parsed == nil {
		return unknown
	}
	guess := knownZones(phonenumbers.GetTimezonesForNumber(parsed))
	if len(guess) == 0 {
		return unknown
	}
	candidates := guess
	if !isGeographical(parsed) {
		// The prefix data gives non-geographic numbers (most mobiles) the
		// zone of the capital; libphonenumber's reference implementation
		// answers with every zone of the country instead, and so do we.
		countryWide := knownZones(phonenumbers.GetTimezonesForPrefix(strconv.Itoa(int(parsed.GetCountryCode()))))
		if len(countryWide) > 0 {
			candidates = countryWide
		}
	}
	zone := guess[0]
	location, ok := n.location(zone)
	if !ok {
		return unknown
	}
	result := LocalTime{Zone: zone, Time: now.In(location), Source: ZoneFromNumber}
	result.Certain = n.sameClock(candidates, now)
	if !result.Certain {
		result.Candidates = slices.Clone(candidates)
	}
	return result
}

// isGeographical mirrors libphonenumber's isNumberGeographical, which the Go
// port keeps private.
func isGeographical(parsed *phonenumbers.PhoneNumber) bool {
	switch phonenumbers.GetNumberType(parsed) {
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return true
	case phonenumbers.MOBILE:
		return phonenumbers.GEO_MOBILE_COUNTRIES[parsed.GetCountryCode()]
	}
	return false
}

// sameClock reports whether every zone shows the same time at now. Several
// zone names with one clock (London, Jersey, Guernsey) are still certain.
func (n *Normalizer) sameClock(zones []string, now time.Time) bool {
	if len(zones) == 0 {
		return false
	}
	first := -1
	for _, zone := range zones {
		location, ok := n.location(zone)
		if !ok {
			return false
		}
		_, offset := now.In(location).Zone()
		if first == -1 {
			first = offset
		} else if offset != first {
			return false
		}
	}
	return true
}

// location loads a zone once per Normalizer; time.LoadLocation re-reads
// and re-parses zoneinfo on every call, too slow for a caller card.
func (n *Normalizer) location(zone string) (*time.Location, bool) {
	if cached, ok := n.locations.Load(zone); ok {
		location, ok := cached.(*time.Location)
		return location, ok
	}
	location, err := time.LoadLocation(zone)
	if err != nil || zone == "" || zone == "Local" {
		// "Local" is the machine's zone, not the caller's.
		return nil, false
	}
	n.locations.Store(zone, location)
	return location, true
}

// ValidZone reports whether zone is an IANA time-zone name this program can
// use (for a contact's override).
func (n *Normalizer) ValidZone(zone string) bool {
	_, ok := n.location(zone)
	return ok
}

// knownZones drops libphonenumber's "Etc/Unknown" placeholder.
func knownZones(zones []string, err error) []string {
	if err != nil {
		return nil
	}
	known := make([]string, 0, len(zones))
	for _, zone := range zones {
		if zone != phonenumbers.UNKNOWN_TIMEZONE && zone != "" {
			known = append(known, zone)
		}
	}
	return known
}
