package prompt

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Keys the line editor knows in raw mode, where the terminal no longer
// interprets them.
const (
	keyInterrupt = 0x03 // Ctrl-C
	keyEOF       = 0x04 // Ctrl-D
	keyBackspace = 0x08 // Ctrl-H
	keyKillLine  = 0x15 // Ctrl-U
	keyEscape    = 0x1b
	keyDelete    = 0x7f
)

// escapeState tracks where the editor is inside an escape sequence.
type escapeState int

const (
	escNone  escapeState = iota
	escStart             // after ESC
	escCSI               // after ESC [, until a final byte
	escSS3               // after ESC O, for one byte
)

// The markers a terminal puts around a paste while bracketed paste is on.
// They are the parameters of a CSI sequence ending in '~'.
const (
	pasteStartParam = "200"
	pasteEndParam   = "201"
)

// lineEditor does, one byte at a time, the editing a terminal in raw mode
// no longer does for the line pasted at the prompt.
type lineEditor struct {
	line []byte
	esc  escapeState
	// csi holds the parameter bytes of the CSI sequence being read, as
	// many as a paste marker has; csiLen counts them all.
	csi    [len(pasteStartParam)]byte
	csiLen int
	// inPaste is true between a bracketed paste's start and end markers.
	inPaste bool
	// lineStart is where the line being typed starts in line, past the
	// earlier lines of a JSON paste, and depth how deep in the JSON those
	// earlier lines end.
	lineStart, depth int
}

func (e *lineEditor) reset() {
	e.line = e.line[:0]
	e.lineStart, e.depth = 0, 0
}

// openJSON says, as Enter is pressed, whether the paste is a JSON object
// that this line does not close. It looks at the new line only, so that a
// long pretty-printed paste costs no more than a flat one.
func (e *lineEditor) openJSON() bool {
	first := bytes.TrimLeft(e.line, " \t\n")
	if len(first) == 0 || first[0] != '{' {
		return false
	}
	e.depth = jsonDepth(e.depth, string(e.line[e.lineStart:]))
	return e.depth > 0
}

// awaitsJSON says whether the last Enter left a JSON paste open and nothing
// has come since, outside a bracketed paste: the prompt then waits for the
// rest with nothing on the screen to say so.
func (e *lineEditor) awaitsJSON() bool {
	return e.lineStart > 0 && e.depth > 0 && len(e.line) == e.lineStart && !e.inPaste
}

// escape takes b if it belongs to an escape sequence, and says whether it
// did. The sequences are dropped, but for the bracketed-paste markers,
// which set inPaste.
func (e *lineEditor) escape(b byte) bool {
	switch e.esc {
	case escNone:
		if b != keyEscape {
			return false
		}
		e.esc = escStart
	case escStart:
		switch b {
		case '[':
			e.esc, e.csiLen = escCSI, 0
		case 'O':
			e.esc = escSS3
		case keyEscape:
		default:
			e.esc = escNone
		}
	case escSS3:
		e.esc = escNone
	case escCSI:
		if b >= 0x20 && b <= 0x3f {
			if e.csiLen < len(e.csi) {
				e.csi[e.csiLen] = b
			}
			e.csiLen++
			return true
		}
		e.esc = escNone
		if b < 0x40 || b > 0x7e {
			// A sequence broken by a control key (Enter after a stray
			// ESC [) gives the key back to the line.
			return false
		}
		if b == '~' && e.csiLen == len(e.csi) {
			switch string(e.csi[:]) {
			case pasteStartParam:
				e.inPaste = true
			case pasteEndParam:
				e.inPaste = false
			}
		}
	}
	return true
}

// skip takes one byte that came after the line ended, to be dropped. It
// says whether the byte ended the bracketed paste the line came in, and
// whether it is a Ctrl-C typed outside a paste: the line is not used yet,
// so the person may still stop.
func (e *lineEditor) skip(b byte) (pasteEnded, interrupt bool) {
	inPaste := e.inPaste
	if e.escape(b) {
		return inPaste && !e.inPaste, false
	}
	return false, b == keyInterrupt && !e.inPaste
}

// key takes one byte of input. done is true when a non-empty line ended.
func (e *lineEditor) key(b byte) (s string, done bool, err error) {
	if e.escape(b) {
		return "", false, nil
	}

	switch b {
	case '\r', '\n':
		if e.openJSON() {
			// A pretty-printed token response goes on past its first
			// line; it ends with the line that closes it.
			e.line = append(e.line, '\n')
			e.lineStart = len(e.line)
			return "", false, nil
		}
		s := strings.TrimSpace(string(e.line))
		e.reset()
		return s, s != "", nil
	case keyInterrupt:
		return "", false, fmt.Errorf("read paste: %w", ErrInterrupted)
	case keyEOF:
		if len(e.line) == 0 {
			return "", false, errNoInput
		}
	case keyBackspace, keyDelete:
		_, size := utf8.DecodeLastRune(e.line)
		e.line = e.line[:len(e.line)-size]
		if len(e.line) < e.lineStart {
			// Back over a line break of a JSON paste: count again.
			e.lineStart = bytes.LastIndexByte(e.line, '\n') + 1
			e.depth = jsonDepth(0, string(e.line[:e.lineStart]))
		}
	case keyKillLine:
		e.reset()
	default:
		if b < 0x20 && b != '\t' {
			return "", false, nil
		}
		if len(e.line) >= maxPaste {
			return "", false, errPasteTooLong
		}
		e.line = append(e.line, b)
	}
	return "", false, nil
}
