package cellsop

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// minStateLength is Hydra's floor for the state parameter.
const minStateLength = 8

// storage keeps everything the provider knows in memory. Errors it returns
// never carry a token or a code: the library logs them.
type storage struct {
	client          *client
	key             *signingKey
	accessLifetime  time.Duration
	refreshLifetime time.Duration
	reuseRevokes    bool
	now             func() time.Time // never nil

	mu       sync.Mutex
	requests map[string]*authRequest  // by request id
	codes    map[string]string        // code → request id
	access   map[string]*accessToken  // by token id
	refresh  map[string]*refreshToken // by the token itself
	spent    map[string]string        // rotated refresh token → session id
	personal map[string]string        // personal access token → token id

	// The device grant's (device.go).
	devices        map[string]*deviceAuth // by device code
	userCodes      map[string]string      // user code → device code
	deviceChanged  chan struct{}          // closed and replaced at each new one and each poll
	polls          int                    // device polls read so far
	slowDowns      int                    // polls still to answer slow_down
	device         *deviceClient          // nil unless Options.Device
	deviceAudience string                 // DeviceOptions.Audience
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

func newStorage(c *client, key *signingKey, accessLifetime, refreshLifetime time.Duration, reuseRevokes bool, now func() time.Time) *storage {
	if now == nil {
		now = time.Now
	}
	return &storage{
		now:             now,
		client:          c,
		key:             key,
		accessLifetime:  accessLifetime,
		refreshLifetime: refreshLifetime,
		reuseRevokes:    reuseRevokes,
		requests:        map[string]*authRequest{},
		codes:           map[string]string{},
		access:          map[string]*accessToken{},
		refresh:         map[string]*refreshToken{},
		spent:           map[string]string{},
		personal:        map[string]string{},
		devices:         map[string]*deviceAuth{},
		userCodes:       map[string]string{},
		deviceChanged:   make(chan struct{}),
	}
}

var errUnknownRequest = errors.New("cellsop: unknown or finished authorization request")

// grantedScopes keeps what the client asked for and adds offline_access when
// it said offline, Cells' word for it, so the library issues a refresh token.
func grantedScopes(requested []string) []string {
	scopes := slices.Clone(requested)
	if slices.Contains(scopes, scopeOffline) && !slices.Contains(scopes, oidc.ScopeOfflineAccess) {
		scopes = append(scopes, oidc.ScopeOfflineAccess)
	}
	return scopes
}

func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	if len(req.State) < minStateLength {
		e := oidc.ErrInvalidRequest().WithDescription("The state is missing or does not have enough characters and is therefore considered too weak. Request parameter 'state' must be at least be %d characters long to ensure sufficient entropy.", minStateLength)
		e.ErrorType = "invalid_state"
		return nil, e
	}
	a := &authRequest{
		id:           randomString(18),
		clientID:     req.ClientID,
		redirectURI:  req.RedirectURI,
		state:        req.State,
		nonce:        req.Nonce,
		scopes:       grantedScopes(req.Scopes),
		responseType: req.ResponseType,
		responseMode: req.ResponseMode,
		subject:      userID,
	}
	if req.CodeChallenge != "" {
		a.challenge = &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[a.id] = a
	return a.clone(), nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return nil, errUnknownRequest
	}
	return a.clone(), nil
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[s.codes[code]]
	if !ok {
		return nil, errors.New("cellsop: unknown, used or revoked code")
	}
	return a.clone(), nil
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs when the code is exchanged, so the code dies with
// the request.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, requestID := range s.codes {
		if requestID == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// authRequest returns a copy of a pending request, for the sign-in page.
func (s *storage) authRequest(id string) (*authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return nil, false
	}
	return a.clone(), true
}

// signIn checks the credentials and marks the request done.
func (s *storage) signIn(id, username, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errUnknownRequest
	}
	if username != Username || password != Password {
		return errors.New("cellsop: wrong login or password")
	}
	a.done = true
	a.subject = UserID
	a.authTime = s.now()
	a.sessionID = randomString(18)
	return nil
}

// cancel forgets a request the person declined.
func (s *storage) cancel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
}

// issueAccess records an access token; the caller holds s.mu.
func (s *storage) issueAccess(sess session, scopes []string, lifetime time.Duration) *accessToken {
	t := &accessToken{
		id:        randomString(18),
		subject:   sess.subject,
		clientID:  sess.clientID,
		sessionID: sess.id,
		scopes:    slices.Clone(scopes),
		expires:   s.now().Add(lifetime),
	}
	s.access[t.id] = t
	return t
}

// expiryForLibrary is t's expiry as the provider's library must be told
// it: the library adds the client's clock skew (Options.ClockOffset) to it
// before it works out expires_in, which must stay the token's lifetime.
func (s *storage) expiryForLibrary(t *accessToken) time.Time {
	return t.expires.Add(-s.client.clockOffset)
}

// issueRefresh records a refresh token; the caller holds s.mu.
func (s *storage) issueRefresh(sess session) string {
	token := hydraToken("ory_rt_")
	s.refresh[token] = &refreshToken{session: sess, expires: s.now().Add(s.refreshLifetime)}
	return token
}

func sessionOf(a *authRequest) session {
	return session{
		id:       a.sessionID,
		subject:  a.subject,
		clientID: a.clientID,
		scopes:   slices.Clone(a.scopes),
		authTime: a.authTime,
		amr:      a.GetAMR(),
	}
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	var sess session
	switch r := req.(type) {
	case *authRequest:
		sess = sessionOf(r)
	case *op.DeviceAuthorizationState:
		sess = deviceSession(r)
	default:
		return "", time.Time{}, fmt.Errorf("cellsop: cannot issue an access token for a %T", req)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.issueAccess(sess, sess.scopes, s.accessLifetime)
	return t.id, s.expiryForLibrary(t), nil
}

func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r := req.(type) {
	case *authRequest:
		sess := sessionOf(r)
		t := s.issueAccess(sess, r.scopes, s.accessLifetime)
		return t.id, s.issueRefresh(sess), s.expiryForLibrary(t), nil
	case *op.DeviceAuthorizationState:
		sess := deviceSession(r)
		t := s.issueAccess(sess, sess.scopes, s.accessLifetime)
		return t.id, s.issueRefresh(sess), s.expiryForLibrary(t), nil
	case *refreshRequest:
		// Two refreshes racing on one token both pass TokenRequestByRefreshToken;
		// only the first may rotate it.
		old, ok := s.refresh[current]
		if !ok {
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("The refresh token has already been used.")
		}
		delete(s.refresh, current)
		s.spent[current] = old.session.id
		t := s.issueAccess(old.session, r.current, s.accessLifetime)
		return t.id, s.issueRefresh(old.session), s.expiryForLibrary(t), nil
	}
	return "", "", time.Time{}, fmt.Errorf("cellsop: cannot issue tokens for a %T", req)
}

func (s *storage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sessionID, ok := s.spent[token]; ok {
		if s.reuseRevokes {
			s.revokeSession(sessionID)
		}
		return nil, errors.New("cellsop: refresh token already used")
	}
	rt, ok := s.refresh[token]
	if !ok {
		return nil, errors.New("cellsop: unknown or revoked refresh token")
	}
	if s.now().After(rt.expires) {
		delete(s.refresh, token)
		return nil, errors.New("cellsop: refresh token expired")
	}
	return &refreshRequest{session: rt.session, current: slices.Clone(rt.session.scopes)}, nil
}

// revokeSession ends a sign-in: its access and refresh tokens stop working.
// The caller holds s.mu.
func (s *storage) revokeSession(id string) {
	for token, rt := range s.refresh {
		if rt.session.id == id {
			delete(s.refresh, token)
		}
	}
	for tokenID, t := range s.access {
		if t.sessionID == id {
			delete(s.access, tokenID)
		}
	}
}

// revokeAll forgets every token, code and pending request.
func (s *storage) revokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.requests)
	clear(s.codes)
	clear(s.access)
	clear(s.refresh)
	clear(s.personal)
	clear(s.devices)
	clear(s.userCodes)
}

func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for token, rt := range s.refresh {
		if rt.session.subject == userID && rt.session.clientID == clientID {
			delete(s.refresh, token)
		}
	}
	for id, t := range s.access {
		if t.subject == userID && t.clientID == clientID {
			delete(s.access, id)
		}
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, _, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.session.subject, token, nil
}

// RevokeToken gets an access token's id or a refresh token itself. Revoking
// a refresh token ends its whole session, as Hydra does; a token this
// provider does not know is no error (RFC 7009, section 2.2).
func (s *storage) RevokeToken(_ context.Context, tokenOrID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.access[tokenOrID]; ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		delete(s.access, tokenOrID)
		for pat, id := range s.personal {
			if id == tokenOrID {
				delete(s.personal, pat)
			}
		}
		return nil
	}
	if rt, ok := s.refresh[tokenOrID]; ok {
		if rt.session.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		s.revokeSession(rt.session.id)
	}
	return nil
}

// mintPersonal records an opaque personal access token for the demo user.
func (s *storage) mintPersonal(lifetime time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.issueAccess(session{subject: UserID, clientID: ClientID},
		[]string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile, scopePydio}, lifetime)
	pat := randomString(32) + "." + randomString(32)
	s.personal[pat] = t.id
	return pat
}

// personalToken resolves a personal access token the way the library's
// decryption resolves its own: to "<id>:<subject>".
func (s *storage) personalToken(pat string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.personal[pat]
	if !ok {
		return "", false
	}
	t, ok := s.access[id]
	if !ok {
		return "", false
	}
	return t.id + ":" + t.subject, true
}

// activeAccess reports whether the token id names an unexpired access token.
func (s *storage) activeAccess(id string) (*accessToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.access[id]
	if !ok || s.now().After(t.expires) {
		return nil, false
	}
	c := *t
	c.scopes = slices.Clone(t.scopes)
	return &c, true
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.key}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	switch {
	case clientID == ClientID:
		return s.client, nil
	case clientID == DeviceClientID && s.device != nil:
		return s.device, nil
	}
	return nil, fmt.Errorf("cellsop: unknown client %q", clientID)
}

// AuthorizeClientIDSecret admits cells-client (and the device client) only
// without a secret: they are public clients.
func (s *storage) AuthorizeClientIDSecret(_ context.Context, clientID, secret string) error {
	if (clientID != ClientID && (clientID != DeviceClientID || s.device == nil)) || secret != "" {
		return errors.New("cellsop: invalid client credentials")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(_ context.Context, info *oidc.UserInfo, userID, _ string, scopes []string) error {
	if userID != UserID {
		return fmt.Errorf("cellsop: unknown user %q", userID)
	}
	setUserinfo(info, scopes)
	return nil
}

// SetUserinfoFromRequest adds the session id, which Cells' ID tokens carry
// as sid.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	switch r := req.(type) {
	case *authRequest:
		info.AppendClaims("sid", r.sessionID)
	case *refreshRequest:
		info.AppendClaims("sid", r.id)
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, ok := s.activeAccess(tokenID)
	if !ok || t.subject != subject {
		return errors.New("cellsop: access token not active")
	}
	setUserinfo(info, t.scopes)
	return nil
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, ok := s.activeAccess(tokenID)
	if !ok || t.subject != subject || t.clientID != clientID {
		return errors.New("cellsop: access token not active")
	}
	info := new(oidc.UserInfo)
	setUserinfo(info, t.scopes)
	resp.SetUserInfo(info)
	resp.Scope = t.scopes
	resp.ClientID = t.clientID
	resp.Expiration = oidc.FromTime(t.expires)
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("cellsop: JWT client authentication is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("cellsop: the JWT profile grant is not supported")
}

func (s *storage) Health(context.Context) error { return nil }
