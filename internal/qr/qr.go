package qr

import (
	"fmt"
	"io"

	"github.com/mdp/qrterminal/v3"
)

// Write draws text as a QR code with half-block characters, two modules a
// line, so that a phone can read the authorization URL off the terminal,
// and prints text again on its own line below the code: the code is taller
// than many terminals, and pushes the copy printed before it out of sight.
func Write(w io.Writer, text string) {
	qrterminal.GenerateWithConfig(text, qrterminal.Config{
		Level:          qrterminal.L,
		Writer:         w,
		HalfBlocks:     true,
		BlackChar:      qrterminal.BLACK_BLACK,
		WhiteBlackChar: qrterminal.WHITE_BLACK,
		WhiteChar:      qrterminal.WHITE_WHITE,
		BlackWhiteChar: qrterminal.BLACK_WHITE,
		QuietZone:      2,
	})
	fmt.Fprintln(w, text)
}
