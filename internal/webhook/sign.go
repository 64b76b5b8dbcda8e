package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Headers of a webhook request (and of the look-up).
const (
	HeaderEvent     = "X-Switchboard-Event"
	HeaderDelivery  = "X-Switchboard-Delivery"
	HeaderSignature = "X-Switchboard-Signature"
	HeaderAttempt   = "X-Switchboard-Attempt"
)

// signaturePrefix names the algorithm in the header's value, as GitHub's
// X-Hub-Signature-256 does, so another can be added without ambiguity.
const signaturePrefix = "sha256="

// Sign is the X-Switchboard-Signature value of body: "sha256=" and the hex
// HMAC-SHA256 of the exact bytes sent, keyed with the secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature header against body in constant time; what a
// receiver does (the tests use it).
func Verify(secret, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
