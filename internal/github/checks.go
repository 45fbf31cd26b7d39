package github

import (
	"context"

	gh "github.com/google/go-github/v60/github"
)

// Annotation is a check-run annotation on a file's lines.
type Annotation struct {
	Path               string
	StartLine, EndLine int
	Level              string // notice, warning, failure
	Title, Message     string
}

// CheckRunSpec is a completed check run.
type CheckRunSpec struct {
	Name, HeadSHA  string
	Conclusion     string // success, failure, neutral
	Title, Summary string // Summary is markdown, clipped to GitHub's limit
	Annotations    []Annotation
}

// maxAnnotations is how many annotations GitHub takes per request.
const maxAnnotations = 50

// maxMessage keeps an annotation's message under GitHub's 64 KB.
const maxMessage = 4000

// CheckRun creates a completed check run on spec.HeadSHA; annotations
// beyond the first 50 are added by updates of 50 each. It returns the
// check run's id.
func (c *Client) CheckRun(ctx context.Context, spec CheckRunSpec) (int64, error) {
	anns := toAnnotations(spec.Annotations)
	first := anns
	if len(first) > maxAnnotations {
		first = first[:maxAnnotations]
	}
	out := &gh.CheckRunOutput{Title: gh.String(spec.Title), Summary: gh.String(clip(spec.Summary)), Annotations: first}
	run, _, err := c.gh.Checks.CreateCheckRun(ctx, c.owner, c.repo, gh.CreateCheckRunOptions{
		Name: spec.Name, HeadSHA: spec.HeadSHA, Status: gh.String("completed"), Conclusion: gh.String(spec.Conclusion),
		CompletedAt: &gh.Timestamp{Time: c.now().UTC()}, Output: out,
	})
	if err != nil {
		return 0, c.wrap("create check run", err)
	}
	for i := maxAnnotations; i < len(anns); i += maxAnnotations {
		end := min(i+maxAnnotations, len(anns))
		_, _, err := c.gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, run.GetID(), gh.UpdateCheckRunOptions{
			Name:   spec.Name,
			Output: &gh.CheckRunOutput{Title: gh.String(spec.Title), Summary: gh.String(clip(spec.Summary)), Annotations: anns[i:end]},
		})
		if err != nil {
			return 0, c.wrap("add annotations to check run", err)
		}
	}
	return run.GetID(), nil
}

func toAnnotations(as []Annotation) []*gh.CheckRunAnnotation {
	out := make([]*gh.CheckRunAnnotation, 0, len(as))
	for _, a := range as {
		end := a.EndLine
		if end < a.StartLine {
			end = a.StartLine
		}
		msg := a.Message
		if len(msg) > maxMessage {
			msg = clipBytes(msg, maxMessage) + "…"
		}
		out = append(out, &gh.CheckRunAnnotation{Path: gh.String(a.Path), StartLine: gh.Int(a.StartLine), EndLine: gh.Int(end),
			AnnotationLevel: gh.String(a.Level), Title: gh.String(a.Title), Message: gh.String(msg)})
	}
	return out
}
