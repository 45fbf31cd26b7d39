package github

import "testing"

// FuzzParseEvent: any payload gives an event or an error, never a panic,
// and an event always has the pull request's number and commits.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"action":"opened","pull_request":{"number":2,"title":"t","user":{"login":"u"},"head":{"sha":"a","ref":"x"},"base":{"sha":"b","ref":"main"}}}`))
	f.Add([]byte(`{"pull_request":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := ParseEvent(data)
		if err == nil && (ev.Number == 0 || ev.HeadSHA == "" || ev.BaseSHA == "") {
			t.Fatalf("event without number or commits: %+v", ev)
		}
	})
}
