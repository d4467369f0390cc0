package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// loginAuto runs login and plays the person at the browser: it passes
// login's stderr on while watching it for the authorization URL, signs in
// there, and pastes the code into login's stdin.
func (d *demo) loginAuto(ctx context.Context, server string) error {
	cmd := d.command(ctx, "login", "--url", server)
	paste, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	prompts, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// Should login never show the URL, closing its stdin ends its wait.
	var gaveUp atomic.Bool
	giveUp := time.AfterFunc(d.urlWait, func() {
		gaveUp.Store(true)
		paste.Close()
	})
	// The pipe must be read to its end before Wait, which closes it.
	found, browseErr := d.play(ctx, prompts, paste, server+cellsop.PathAuth+"?", giveUp)
	giveUp.Stop()
	waitErr := cmd.Wait()
	switch {
	case errors.Is(browseErr, errLate), !found && (gaveUp.Load() || waitErr == nil):
		return fmt.Errorf("login did not print the authorization URL within %v", d.urlWait)
	case browseErr != nil:
		return fmt.Errorf("play the browser: %w", browseErr)
	case waitErr != nil:
		return waitErr
	}
	return nil
}

// errLate is the authorization URL arriving after giveUp fired: paste is
// closed by then, and login is ending without a code.
var errLate = errors.New("the authorization URL came after the demo stopped waiting")

// play copies prompts to the demo's stderr as they come, and answers the
// first line that is an authorization URL (starting with authPrefix) by
// stopping giveUp, signing in and writing the code, then a newline, to
// paste. paste is closed once answered, or at the end.
func (d *demo) play(ctx context.Context, prompts io.Reader, paste io.WriteCloser, authPrefix string, giveUp *time.Timer) (found bool, err error) {
	defer paste.Close()
	lines := bufio.NewScanner(io.TeeReader(prompts, d.stderr))
	lines.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if found || !strings.HasPrefix(line, authPrefix) {
			continue
		}
		found = true
		// Stop fails once the timer has fired, and then paste is
		// closed, or about to be: the URL came too late to answer.
		if !giveUp.Stop() {
			err = errLate
			continue
		}
		res, berr := browser.Authorize(ctx, line, cellsop.Username, cellsop.Password)
		switch {
		case berr != nil:
			err = berr
		case res.Error != "":
			err = fmt.Errorf("the provider answered %s: %s", res.Error, res.ErrorDescription)
		default:
			fmt.Fprintf(d.stderr, "(the demo signed in as %s in its browser and pastes the code)\n", cellsop.Username)
			_, err = io.WriteString(paste, res.Code+"\n")
		}
		paste.Close()
	}
	if err == nil {
		err = lines.Err()
	}
	return found, err
}
