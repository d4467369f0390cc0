package cellsop

import (
	"context"
	"log/slog"
	"os"
	"reflect"
	"sync"
)

// The op package logs through slog.Default and nothing else, with the
// request's context. To keep a server quiet, or send its records to
// Options.Log, the default handler is replaced once by logRouter, which
// looks at the context: records from a request to one of these servers go
// where that server says, all others where they went before.

// logKey marks a request context with where its server's records go.
type logKey struct{}

// logDest is a server's choice; a nil logger drops the records.
type logDest struct{ logger *slog.Logger }

func withLog(ctx context.Context, dest *logDest) context.Context {
	return context.WithValue(ctx, logKey{}, dest)
}

var installLogRouter = sync.OnceFunc(func() {
	before := slog.Default().Handler()
	// The built-in default handler writes through package log, which
	// slog.SetDefault points back at the new handler: passing records on to
	// it would deadlock, so plain text on stderr stands in for it.
	if reflect.TypeOf(before).String() == "*slog.defaultHandler" {
		before = slog.NewTextHandler(os.Stderr, nil)
	}
	slog.SetDefault(slog.New(&logRouter{other: before}))
})

// logRouter is the slog.Handler described above. wrap holds the WithAttrs
// and WithGroup calls made on it, to replay on a server's handler.
type logRouter struct {
	other slog.Handler
	wrap  []func(slog.Handler) slog.Handler
}

func (h *logRouter) route(ctx context.Context) (slog.Handler, bool) {
	dest, ok := ctx.Value(logKey{}).(*logDest)
	if !ok {
		return h.other, true
	}
	if dest.logger == nil {
		return nil, false
	}
	handler := dest.logger.Handler()
	for _, w := range h.wrap {
		handler = w(handler)
	}
	return handler, true
}

func (h *logRouter) Enabled(ctx context.Context, level slog.Level) bool {
	handler, ok := h.route(ctx)
	return ok && handler.Enabled(ctx, level)
}

func (h *logRouter) Handle(ctx context.Context, r slog.Record) error {
	handler, ok := h.route(ctx)
	if !ok {
		return nil
	}
	return handler.Handle(ctx, r)
}

func (h *logRouter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(func(next slog.Handler) slog.Handler { return next.WithAttrs(attrs) })
}

func (h *logRouter) WithGroup(name string) slog.Handler {
	return h.with(func(next slog.Handler) slog.Handler { return next.WithGroup(name) })
}

func (h *logRouter) with(w func(slog.Handler) slog.Handler) slog.Handler {
	return &logRouter{other: w(h.other), wrap: append(append([]func(slog.Handler) slog.Handler{}, h.wrap...), w)}
}
