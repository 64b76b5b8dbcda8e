package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// callGenerator makes a deterministic, realistic-looking call history: a
// call centre with a few lines and DIDs, a pool of operators, repeat
// callers (some linked to contacts), missed calls that are sometimes called
// back, notes, tags, dispositions and recordings. Tests check queries
// against a Go model of the same calls; benchmarks use it at scale.
type callGenerator struct {
	rng     *rand.Rand
	start   time.Time // first call
	spacing time.Duration
	numbers int // distinct remote numbers
	n       int // calls generated so far
}

func newCallGenerator(seed uint64, start time.Time, total int, days int) *callGenerator {
	return &callGenerator{
		rng:     rand.New(rand.NewPCG(seed, seed^0x5eed)),
		start:   start,
		spacing: time.Duration(days) * 24 * time.Hour / time.Duration(max(total, 1)),
		numbers: max(total/20, 10),
	}
}

var (
	genAccounts     = []string{"sales@pbx.example", "support@pbx.example", "main@pbx.example"}
	genLines        = []string{"+4930111000", "+4930111001", "+4930111002", "+4930111003", "+4930111004", "+4930111005", "+4930111006", "+4930111007"}
	genOperators    = []string{"anna", "ben", "carla", "dieter", "emma", "felix", "greta", "hans", "ida", "jonas", "kim", "lena", "max", "nina", "otto", "paula"}
	genDispositions = []string{"sale", "info", "complaint", "callback-requested", "wrong-number", "support-solved"}
	genTags         = []string{"vip", "urgent", "follow-up", "invoice", "escalated", "spam", "partner", "press"}
	genNotes        = []string{"Customer asked about the invoice from March", "wants a callback tomorrow morning",
		"Complaint: delivery late again", "Interested in the premium plan", "Wrong number, apologised",
		"Escalated to second level support", "Asked for a quote (Angebot) für 20 Lizenzen", "Password reset done"}
)

// genNumber returns the raw and normalised form of remote number k. Every
// 20th number could not be normalised (an internal extension).
func genNumber(k int) (raw, e164 string) {
	if k%20 == 7 {
		return fmt.Sprintf("%d", 200+k%500), ""
	}
	e164 = fmt.Sprintf("+49%010d", 3000000000+k*7919%1000000000)
	return "0" + e164[3:], e164
}

// genContact links two numbers in three to a contact.
func genContact(k int) int64 {
	if k%3 == 2 {
		return 0
	}
	return int64(k/3*2+k%3) + 1
}

type generatedCall struct {
	Call
	tag string // "" or one tag to add with AddTag
}

// next returns the next call, started after the previous one.
func (g *callGenerator) next() generatedCall {
	rng := g.rng
	g.n++
	started := g.start.Add(time.Duration(g.n) * g.spacing).Add(time.Duration(rng.IntN(1000)) * time.Millisecond).Truncate(time.Millisecond)
	k := rng.IntN(g.numbers)
	raw, e164 := genNumber(k)
	call := Call{
		ID:           fmt.Sprintf("gen-%09d", g.n),
		Account:      genAccounts[rng.IntN(len(genAccounts))],
		LocalURI:     "sip:desk@pbx.example",
		RemoteURI:    "sip:" + raw + "@carrier.example",
		RemoteNumber: raw,
		RemoteE164:   e164,
		ContactID:    genContact(k),
		StartedAt:    started,
		LastAliveAt:  started,
	}
	ring := time.Duration(2000+rng.IntN(25000)) * time.Millisecond
	call.RingingAt = started.Add(300 * time.Millisecond)
	if rng.IntN(100) < 55 {
		call.Direction = DirectionIn
		call.DialledLine = genLines[rng.IntN(len(genLines))]
		call.DisplayName = fmt.Sprintf("Caller %d", k)
		switch p := rng.IntN(100); {
		case p < 72:
			call.Result = ResultAnswered
		case p < 90:
			call.Result = ResultMissed
		case p < 94:
			call.Result = ResultRejected
		case p < 96:
			call.Result = ResultDeclined
		case p < 98:
			call.Result = ResultBlacklisted
			call.RingingAt = time.Time{}
		default:
			call.Result = ResultFailed
		}
	} else {
		call.Direction = DirectionOut
		switch p := rng.IntN(100); {
		case p < 60:
			call.Result = ResultAnswered
		case p < 75:
			call.Result = ResultNoAnswer
		case p < 85:
			call.Result = ResultBusy
		case p < 93:
			call.Result = ResultCancelled
		case p < 98:
			call.Result = ResultFailed
		default:
			call.Result = ResultDeclined
		}
	}
	if call.Result == ResultAnswered {
		call.AnsweredAt = call.RingingAt.Add(ring)
		call.EndedAt = call.AnsweredAt.Add(time.Duration(5+rng.IntN(900)) * time.Second)
		call.Operator = genOperators[rng.IntN(len(genOperators))]
		call.Codec = "opus"
		call.HangupBy = HangupRemote
		loss, jitter := rng.Float64()*3, rng.Float64()*40
		call.Quality = Quality{LossPercent: loss, JitterMillis: jitter, DelayMillis: 40, MOS: EstimateMOS(loss, jitter, 40)}
		if rng.IntN(100) < 30 {
			call.Recording = fmt.Sprintf("/var/lib/switchboard/recordings/%s.wav", call.ID)
		}
		if rng.IntN(100) < 50 {
			call.Disposition = genDispositions[rng.IntN(len(genDispositions))]
		}
	} else {
		if !call.RingingAt.IsZero() {
			call.EndedAt = call.RingingAt.Add(ring)
		} else {
			call.EndedAt = started.Add(50 * time.Millisecond)
		}
		call.HangupBy = HangupLocal
		call.SIPCode = 487
	}
	if rng.IntN(100) < 5 {
		call.Notes = genNotes[rng.IntN(len(genNotes))]
	}
	tag := ""
	if rng.IntN(100) < 3 {
		tag = genTags[rng.IntN(len(genTags))]
	}
	return generatedCall{Call: call, tag: tag}
}

// insertGenerated writes n generated calls in transactions of batch rows,
// through the same INSERT as Repo.Start (so every trigger runs). It returns
// the calls when keep is set.
func insertGenerated(ctx context.Context, repo *Repo, gen *callGenerator, n, batch int, keep bool) ([]generatedCall, error) {
	var kept []generatedCall
	// One connection with a large page cache, so a batch builds its index
	// pages in memory instead of spilling them to the log, and statement
	// journals in memory: in a long transaction every statement with
	// triggers journals each page it touches that earlier statements
	// dirtied, which in a temp file costs ~25 writes per row.
	conn, err := repo.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = MEMORY"); err != nil {
		return nil, err
	}
	defer func() { _, _ = conn.ExecContext(ctx, "PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT") }()
	for done := 0; done < n; {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		insert, err := tx.PrepareContext(ctx, insertCallSQL)
		if err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		tagInsert, err := tx.PrepareContext(ctx, `INSERT INTO call_tags (call_id, tag, started_at) VALUES (?, ?, ?)`)
		if err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		for end := min(n, done+batch); done < end; done++ {
			call := gen.next()
			if _, err := insert.ExecContext(ctx, insertValues(&call.Call)...); err != nil {
				_ = tx.Rollback()
				return nil, err
			}
			if call.tag != "" {
				if _, err := tagInsert.ExecContext(ctx, call.ID, call.tag, call.StartedAt.UnixMilli()); err != nil {
					_ = tx.Rollback()
					return nil, err
				}
				call.Tags = call.tag
			}
			if keep {
				kept = append(kept, call)
			}
		}
		_ = insert.Close()
		_ = tagInsert.Close()
		if err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	return kept, nil
}
