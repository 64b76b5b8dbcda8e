package numbers

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// slowNormalizer reads numbers with the library alone.
func slowNormalizer(t testing.TB, region string) *Normalizer {
	t.Helper()
	n := mustNormalizer(t, region)
	n.noFastPath = true
	return n
}

// TestFastPathAgreesWithLibrary normalises many spellings of example
// numbers of every type in plain and complex regions, and mutations of
// them, with and without the fast path: the results must be identical.
func TestFastPathAgreesWithLibrary(t *testing.T) {
	regions := []string{"RU", "KZ", "PL", "DE", "US", "CA", "GB", "UA", "AE", "BY", "FR", "IT", "AR", "BR", "MX", "CN", "IN", "JP", "AU", "NL"}
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.VOIP, phonenumbers.SHARED_COST, phonenumbers.PERSONAL_NUMBER, phonenumbers.UAN}
	random := rand.New(rand.NewPCG(7, 11))
	var samples []string
	for _, region := range regions {
		for _, numberType := range types {
			example := phonenumbers.GetExampleNumberForType(region, numberType)
			if example == nil {
				continue
			}
			for _, format := range []phonenumbers.PhoneNumberFormat{phonenumbers.E164, phonenumbers.NATIONAL, phonenumbers.INTERNATIONAL} {
				samples = append(samples, phonenumbers.Format(example, format))
			}
			digits := phonenumbers.NormalizeDigitsOnly(phonenumbers.Format(example, phonenumbers.E164))
			national := phonenumbers.NormalizeDigitsOnly(phonenumbers.Format(example, phonenumbers.NATIONAL))
			samples = append(samples, digits, "00"+digits, national, "8"+national, "0"+national, "1"+national)
			for i := 0; i < 15; i++ {
				mutated := []byte(digits)
				mutated[random.IntN(len(mutated))] = byte('0' + random.IntN(10))
				if random.IntN(3) == 0 {
					mutated = mutated[:len(mutated)-1]
				}
				if random.IntN(3) == 0 {
					mutated = append(mutated, byte('0'+random.IntN(10)))
				}
				samples = append(samples, "+"+string(mutated), string(mutated)[min(3, len(mutated)-1):], "8"+string(mutated)[1:])
			}
		}
	}
	for i := 0; i < 1000; i++ {
		var random10 strings.Builder
		for j := 0; j < 7+random.IntN(9); j++ {
			random10.WriteByte(byte('0' + random.IntN(10)))
		}
		samples = append(samples, random10.String(), "+"+random10.String())
	}
	step := 1
	if raceEnabled {
		step = 25 // a sample of the spellings; the full set runs without -race
	}
	compared := 0
	for _, region := range regions {
		fast, slow := mustNormalizer(t, region), slowNormalizer(t, region)
		for i := 0; i < len(samples); i += step {
			sample := samples[i]
			got, want := fast.Normalize(sample), slow.Normalize(sample)
			if got.Key != want.Key || got.Kind != want.Kind || got.Extension != want.Extension {
				t.Errorf("%s %q: fast path %q %s, library %q %s", region, sample, got.Key, got.Kind, want.Key, want.Kind)
			}
			compared++
		}
	}
	t.Logf("%d spellings compared", compared)
}

func BenchmarkNormalize(b *testing.B) {
	for _, variant := range []struct {
		name string
		slow bool
	}{{"fast_path", false}, {"library_only", true}} {
		b.Run(variant.name, func(b *testing.B) {
			n := mustNormalizer(b, "RU")
			n.noFastPath = variant.slow
			inputs := []string{"8 (916) 123-45-67", "+7 495 123-45-67", "74951234567", "+1 212 555 0100", "101", "007 916 765 43 21"}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n.Normalize(inputs[i%len(inputs)])
			}
		})
	}
}
