package phone

import "time"

// Kind names one event of the stream. The names follow one scheme (subject.verb) and
// are a contract: --json output, the control socket and webhooks carry them unchanged.
type Kind string

const (
	RegOK           Kind = "reg.ok"           // the registrar accepted our binding
	RegFailed       Kind = "reg.failed"       // a REGISTER or keepalive failed; Reason says why
	RegRetrying     Kind = "reg.retrying"     // the next attempt is scheduled after RetryIn
	RegUnregistered Kind = "reg.unregistered" // our own binding was removed at exit

	// NetChanged: the local address that reaches an account's registrar
	// changed, went away (LocalAddr empty) or came back (PrevLocalAddr
	// empty); the account re-registers at once.
	NetChanged Kind = "network.changed"

	CallIncoming Kind = "call.incoming" // an INVITE passed screening and rings
	CallOutgoing Kind = "call.outgoing" // we sent an INVITE
	CallRinging  Kind = "call.ringing"  // 180/183 from the far end
	CallEarly    Kind = "call.early_media"
	CallAnswered Kind = "call.answered"
	CallDTMF     Kind = "call.dtmf"  // a digit from the far end; Digit and DTMFMethod say which and how
	CallEnded    Kind = "call.ended" // always the last event of a call; never dropped

	CallHeld          Kind = "call.held"           // we put the far end on hold (re-INVITE sendonly)
	CallResumed       Kind = "call.resumed"        // we took the far end off hold
	CallRemoteHold    Kind = "call.remote_hold"    // the far end put us on hold (sendonly, inactive or c=0.0.0.0)
	CallRemoteResumed Kind = "call.remote_resumed" // the far end took us off hold
	CallMuted         Kind = "call.muted"          // our microphone is off; silence is sent
	CallUnmuted       Kind = "call.unmuted"        // our microphone is on again

	// Transfers. TransferTarget names the target; Code and Reason come from
	// the REFER's answer or the NOTIFY's sipfrag.
	CallTransferring   Kind = "call.transferring"    // our REFER was accepted; then each progress NOTIFY
	CallTransferred    Kind = "call.transferred"     // the target answered: the call ends as transferred
	CallTransferFailed Kind = "call.transfer_failed" // the transfer did not happen; the call goes on
	CallReferred       Kind = "call.referred"        // the far end asks us to call TransferTarget; Code 202 accepted, 603 refused

	// CallConference: the call joined or left a conference mixed here;
	// Conference names it and Change says "joined" or "left".
	CallConference Kind = "call.conference"

	AudioDevice Kind = "audio.device" // a sound device was lost, replaced by a fallback, or is back

	// Hostile traffic (guard.go), at most one event per source address and
	// kind every 10 s; Source is the address, Method the last request's
	// method and Count how many were refused since the previous event.
	SecurityRateLimited Kind = "security.rate_limited" // over [security] rates: INVITEs got 503, other requests were dropped
	SecurityRejected    Kind = "security.rejected"     // a call not from the registrar got 403 (accept_calls_from)
)

// Terminal reports whether an event must reach every subscriber even when it is slow.
func (k Kind) Terminal() bool {
	switch k {
	case CallAnswered, CallEnded, RegOK, RegFailed, RegUnregistered, AudioDevice, NetChanged:
		return true
	case CallHeld, CallResumed, CallRemoteHold, CallRemoteResumed, CallMuted, CallUnmuted:
		// State changes: a console that missed one would show the wrong state
		// for the rest of the call.
		return true
	case CallTransferred, CallTransferFailed, CallReferred, CallConference:
		return true
	}
	return false
}

// Direction of a call as seen from this phone.
type Direction string

const (
	Inbound  Direction = "in"
	Outbound Direction = "out"
)

// Result is how a call ended. The same words are stored in the call history.
type Result string

const (
	ResultAnswered    Result = "answered"    // talked; ended by either side
	ResultMissed      Result = "missed"      // incoming, the caller gave up while it rang
	ResultBusy        Result = "busy"        // outgoing, 486/600
	ResultRejected    Result = "rejected"    // incoming rejected by us with 486 or another code
	ResultDeclined    Result = "declined"    // 603 either way
	ResultCancelled   Result = "cancelled"   // outgoing, we gave up before an answer
	ResultNoAnswer    Result = "no-answer"   // outgoing ring timeout, 408 or 480
	ResultFailed      Result = "failed"      // any other failure (network, 4xx-6xx, auth)
	ResultBlacklisted Result = "blacklisted" // incoming, refused by screening without ringing
	ResultTransferred Result = "transferred" // talked, then handed over to TransferTarget (either role)
)

// Event is one item of the phone's event stream. Fields that do not apply are empty.
type Event struct {
	Kind    Kind      `json:"event"`
	Time    time.Time `json:"time"`
	Account string    `json:"account,omitempty"`

	CallID      string    `json:"call_id,omitempty"`
	SIPCallID   string    `json:"sip_call_id,omitempty"`
	Direction   Direction `json:"direction,omitempty"`
	LocalURI    string    `json:"local_uri,omitempty"`
	RemoteURI   string    `json:"remote_uri,omitempty"`
	Number      string    `json:"number,omitempty"` // remote user part: the number or extension
	DisplayName string    `json:"display_name,omitempty"`
	Line        string    `json:"line,omitempty"` // the dialled line (To user) of incoming calls
	Codec       string    `json:"codec,omitempty"`
	Digit       string    `json:"digit,omitempty"`
	DTMFMethod  string    `json:"dtmf_method,omitempty"` // rfc4733 | info (call.dtmf)
	Recording   string    `json:"recording,omitempty"`   // WAV file of the call, when recorded
	// TransferTarget is where a transfer goes (transfer events, and the
	// call.ended of a transferred call); for a call diverted by do-not-disturb
	// or forwarding, where it was sent.
	TransferTarget string `json:"transfer_target,omitempty"`
	// TransferredFrom is the id of the call whose transfer placed this one
	// (call.outgoing of the call we make when the far end transfers us).
	TransferredFrom string `json:"transferred_from,omitempty"`
	// Conference is the id of the local conference of a call.conference event.
	Conference string `json:"conference,omitempty"`
	// SRTP names the crypto suite encrypting the call's audio (SDES-SRTP,
	// e.g. AES_CM_128_HMAC_SHA1_80) in call.answered and call.ended; empty
	// when the audio is plain RTP.
	SRTP string `json:"srtp,omitempty"`

	Code     int    `json:"code,omitempty"`   // SIP status code, when one applies
	Reason   string `json:"reason,omitempty"` // SIP reason phrase or a sentence on what failed
	Result   Result `json:"result,omitempty"`
	HangupBy string `json:"hangup_by,omitempty"` // local | remote
	// Durations in milliseconds so that scripts need no parsing.
	RingMS int64 `json:"ring_ms,omitempty"`
	TalkMS int64 `json:"talk_ms,omitempty"`

	// Media is the call's audio figures at its end (call.ended of answered calls).
	Media *MediaStats `json:"media,omitempty"`

	// Device and Change describe an audio.device event: Change is lost,
	// fallback or restored; Reason says why in words. In call.conference,
	// Change is joined or left.
	Device string `json:"device,omitempty"`
	Change string `json:"change,omitempty"`

	Registrar string `json:"registrar,omitempty"`
	Expires   int    `json:"expires,omitempty"` // seconds granted by the registrar
	RetryInMS int64  `json:"retry_in_ms,omitempty"`

	// Source, Method and Count describe a security.* event.
	Source string `json:"source,omitempty"`
	Method string `json:"method,omitempty"`
	Count  int    `json:"count,omitempty"`

	// LocalAddr and PrevLocalAddr: our address toward the registrar now and
	// before (network.changed).
	LocalAddr     string `json:"local_addr,omitempty"`
	PrevLocalAddr string `json:"prev_local_addr,omitempty"`
}
