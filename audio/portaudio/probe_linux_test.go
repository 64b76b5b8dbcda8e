package portaudio

import "testing"

func TestALSAPCMName(t *testing.T) {
	for name, want := range map[string]string{
		"HDA Intel PCH: ALC892 Analog (hw:0,0)": "hw:0,0",
		"USB Audio: - (hw:2,0)":                 "hw:2,0",
		"default":                               "default",
		"usb-headset":                           "usb-headset",
	} {
		if got := alsaPCMName(name); got != want {
			t.Errorf("alsaPCMName(%q) = %q, want %q", name, got, want)
		}
	}
}
