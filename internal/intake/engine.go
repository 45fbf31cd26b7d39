package intake

import (
	"context"
	"fmt"
)

// linked reads the pages of an API that names its next page in each
// page (Graph's @odata.nextLink, Google's nextPageToken): a goroutine
// asks for page n+1 as soon as page n is parsed, while each handles
// page n, so the server's latency and the writing overlap. first is the
// first page's URL; parse returns a page's items and the next URL ("" on
// the last page). Pages are numbered from 1.
func linked[T any](ctx context.Context, p *puller, what, first string, parse func([]byte) (T, string, error), each func(T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type page struct {
		n     int
		items T
		err   error
	}
	pages := make(chan page, 1)
	go func() {
		defer close(pages)
		next := first
		for n := 1; next != ""; n++ {
			body, err := p.get(ctx, next)
			var items T
			if err == nil {
				items, next, err = parse(body)
			}
			if err == nil && next != "" {
				err = p.onHost(next)
			}
			select {
			case pages <- page{n, items, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for pg := range pages {
		if pg.err != nil {
			return fmt.Errorf("%s page %d: %w", what, pg.n, pg.err)
		}
		if err := each(pg.items); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// numbered reads the pages of an API that numbers them (Jamf's page,
// Fleet's page, from 0): workers pages are asked for at once and handed
// to each in order; each says whether there are pages after this one.
// The first page is asked for alone (it may tell how many there are);
// pages asked for past the last one are dropped unread.
func numbered[T any](ctx context.Context, workers int, fetch func(ctx context.Context, n int) (T, error), each func(n int, items T) (more bool, err error)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		items T
		err   error
	}
	start := func(n int) chan result {
		c := make(chan result, 1)
		go func() {
			items, err := fetch(ctx, n)
			c <- result{items, err}
		}()
		return c
	}
	window := []chan result{start(0)}
	next := 1
	for n := 0; ; n++ {
		r := <-window[0]
		window = window[1:]
		if r.err != nil {
			return fmt.Errorf("page %d: %w", n, r.err)
		}
		more, err := each(n, r.items)
		if err != nil || !more {
			return err
		}
		for ; len(window) < workers; next++ {
			window = append(window, start(next))
		}
	}
}
