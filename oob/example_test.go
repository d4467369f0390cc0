package oob_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// tempConfig is where a config file would go in a new temporary folder,
// and how to remove the folder.
func tempConfig() (path string, remove func()) {
	dir, err := os.MkdirTemp("", "cells-oob-example")
	if err != nil {
		log.Fatal(err)
	}
	return filepath.Join(dir, "config.json"), func() { os.RemoveAll(dir) }
}

// A login as cells-oob makes it, against a provider laid out like Cells.
// The flow shows the authorization URL on Out and asks ReadPaste for what
// the person pastes back. A person opens the URL in any browser, signs in,
// and types the code the page shows; here a browser played with an
// http.Client does it, and ReadPaste hands its code over. (cells-oob's
// ReadPaste reads the terminal.) The flow writes nothing to disk: the
// caller saves the profile it returns.
func ExampleFlow_Login() {
	srv, err := cellsop.Start(cellsop.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	screen, shows := io.Pipe()
	codes := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(screen)
		for lines.Scan() {
			if line := lines.Text(); strings.HasPrefix(line, "http") {
				res, err := browser.Authorize(ctx, line, cellsop.Username, cellsop.Password)
				if err != nil {
					log.Fatal(err)
				}
				codes <- res.Code
			}
		}
	}()
	flow := &oob.Flow{
		HTTPClient: srv.Client(),
		Out:        shows,
		ReadPaste: func(ctx context.Context, _ io.Writer) (string, error) {
			select {
			case code := <-codes:
				return code, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		},
	}
	p, err := flow.Login(ctx, oob.LoginOptions{
		Server:   srv.URL,
		ClientID: oob.DefaultClientID,
		Scopes:   strings.Fields(oob.DefaultScope),
	})
	shows.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", p.User.Name, p.User.Email)
	fmt.Println("issuer:", strings.TrimPrefix(p.Issuer, srv.URL))
	fmt.Println("refresh token:", p.Token.RefreshToken != "")

	path, remove := tempConfig()
	defer remove()
	store := &oob.Store{Path: path}
	err = store.Update(ctx, func(c *oob.Config) error {
		c.Put(p.DefaultName(), p, true)
		return nil
	})
	fmt.Println("saved:", err == nil)
	// Output:
	// signed in as Demo Admin admin@cells.example
	// issuer: /oidc/
	// refresh token: true
	// saved: true
}

// A personal access token, made in Cells' web interface, pasted instead of
// a code: no browser is needed, and the server is asked who it belongs to.
// Without a ReadPaste the paste is the first line of In.
func ExampleFlow_Login_personalAccessToken() {
	srv, err := cellsop.Start(cellsop.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		log.Fatal(err)
	}

	flow := &oob.Flow{HTTPClient: srv.Client(), In: strings.NewReader(pat + "\n"), Out: io.Discard}
	p, err := flow.Login(context.Background(), oob.LoginOptions{
		Server:   srv.URL,
		ClientID: oob.DefaultClientID,
		AsToken:  true,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", p.User.Name)
	fmt.Println("the pasted token:", p.Token.AccessToken == pat)
	fmt.Println("refresh token:", p.Token.RefreshToken != "")
	// Output:
	// signed in as Demo Admin
	// the pasted token: true
	// refresh token: false
}

// A token that lasts as long as asked costs one read of the config: no
// lock, no request. One that does not is refreshed, unless NoRefresh
// forbids it.
func ExampleSession_Token() {
	path, remove := tempConfig()
	defer remove()
	store := &oob.Store{Path: path}
	ctx := context.Background()
	expiry := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	err := store.Update(ctx, func(c *oob.Config) error {
		c.Put("alice@cells.example", &oob.Profile{
			Server:   "https://cells.example",
			Issuer:   "https://cells.example/oidc/",
			ClientID: oob.DefaultClientID,
			Token:    oob.Token{AccessToken: "synthetic-access-token", Expiry: expiry},
		}, true)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	s := &oob.Session{Store: store, Now: func() time.Time { return expiry.Add(-time.Hour) }}
	name, p, err := s.Token(ctx, oob.TokenOptions{MinValid: 10 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(name, p.Token.AccessToken)

	_, _, err = s.Token(ctx, oob.TokenOptions{MinValid: 2 * time.Hour, NoRefresh: true})
	fmt.Println("lasts two hours:", !errors.Is(err, oob.ErrExpired))
	// Output:
	// alice@cells.example synthetic-access-token
	// lasts two hours: false
}

// Update changes the config under the lock and replaces the file in one
// step, so that other processes, which Load without the lock, see the old
// config or the new one, never a mix.
func ExampleStore_Update() {
	path, remove := tempConfig()
	defer remove()
	store := &oob.Store{Path: path}
	ctx := context.Background()
	for _, name := range []string{"alice@cells.example", "bob@cells.example"} {
		err := store.Update(ctx, func(c *oob.Config) error {
			c.Put(name, &oob.Profile{Issuer: "https://cells.example/oidc/", ClientID: oob.DefaultClientID}, true)
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	cfg, err := store.Load()
	if err != nil {
		log.Fatal(err)
	}
	current, _, err := cfg.Select("")
	fmt.Println(cfg.Names(), "current:", current, err)
	// Output:
	// [alice@cells.example bob@cells.example] current: bob@cells.example <nil>
}

// A config file that does not exist yet is an empty config: nobody is
// logged in.
func ExampleStore_Load() {
	path, remove := tempConfig()
	defer remove()
	store := &oob.Store{Path: path}
	cfg, err := store.Load()
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = cfg.Select("")
	fmt.Println(len(cfg.Profiles), errors.Is(err, oob.ErrNotLoggedIn))
	// Output:
	// 0 true
}
