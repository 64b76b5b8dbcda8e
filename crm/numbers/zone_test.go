package numbers

import (
	"testing"
	"time"
)

func TestLocalTimeCertainty(t *testing.T) {
	ru := mustNormalizer(t, "RU")
	us := mustNormalizer(t, "US")
	pl := mustNormalizer(t, "PL")
	gb := mustNormalizer(t, "GB")
	now := time.Date(2024, 3, 5, 13, 30, 0, 0, time.UTC)

	tests := []struct {
		name        string
		n           *Normalizer
		raw         string
		override    string
		wantZone    string
		wantCertain bool
		wantSource  string
	}{
		{"RU mobile maps only to a country-wide default", ru, "+7 916 123-45-67", "", "Europe/Moscow", false, ZoneFromNumber},
		{"Moscow landline", ru, "8 (495) 123-45-67", "", "Europe/Moscow", true, ZoneFromNumber},
		{"Yekaterinburg landline", ru, "8 (343) 212-34-56", "", "Asia/Yekaterinburg", true, ZoneFromNumber},
		{"US landline with one zone", us, "(212) 555-0100", "", "America/New_York", true, ZoneFromNumber},
		{"US California", us, "+1 650 253 0000", "", "America/Los_Angeles", true, ZoneFromNumber},
		{"PL mobile: the whole country has one clock", pl, "512 345 678", "", "Europe/Warsaw", true, ZoneFromNumber},
		{"GB mobile: several names, one clock", gb, "07400 123456", "", "", true, ZoneFromNumber},
		{"contact override wins over the number", ru, "+7 916 123-45-67", "Asia/Vladivostok", "Asia/Vladivostok", true, ZoneFromContact},
		{"unknown override is ignored", ru, "8 (495) 123-45-67", "Mars/Olympus", "Europe/Moscow", true, ZoneFromNumber},
		{"internal number has no zone", ru, "101", "", "", false, ZoneUnknown},
		{"unparsed number has no zone", ru, "1234567", "", "", false, ZoneUnknown},
		{"override applies even to an internal number", ru, "101", "Europe/Berlin", "Europe/Berlin", true, ZoneFromContact},
	}
	for _, test := range tests {
		got := test.n.LocalTime(test.n.Normalize(test.raw), test.override, now)
		if (test.wantZone != "" && got.Zone != test.wantZone) || got.Certain != test.wantCertain || got.Source != test.wantSource {
			t.Errorf("%s: LocalTime = %+v; want zone %q certain %v source %s", test.name, got, test.wantZone, test.wantCertain, test.wantSource)
			continue
		}
		if !got.Certain && got.Source == ZoneFromNumber && len(got.Candidates) < 2 {
			t.Errorf("%s: uncertain but candidates %v", test.name, got.Candidates)
		}
		if got.Zone != "" {
			location, err := time.LoadLocation(got.Zone)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Time.Equal(now) || got.Time.Location().String() != location.String() {
				t.Errorf("%s: Time = %v, want now in %s", test.name, got.Time, got.Zone)
			}
		}
	}
}

func TestValidZone(t *testing.T) {
	n := mustNormalizer(t, "RU")
	for zone, want := range map[string]bool{"Europe/Moscow": true, "UTC": true, "": false, "Local": false, "Nowhere/Town": false} {
		if got := n.ValidZone(zone); got != want {
			t.Errorf("ValidZone(%q) = %v, want %v", zone, got, want)
		}
	}
}
