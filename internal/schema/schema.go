package schema

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"

	embedded "github.com/estate-dev/estate/schema"

	"github.com/estate-dev/estate/internal/record"
)

// Source is one CUE file of the effective schema.
type Source struct {
	Name string // e.g. "asset.cue" (embedded) or "schema/org.cue" (repository)
	Data []byte
}

// Schema is the effective set of CUE files.
type Schema struct {
	Sources []Source
	digest  string
	natives map[string]native // by definition name, e.g. "#Asset"
}

// Builtin returns the schemas embedded in estate.
func Builtin() []Source {
	var out []Source
	entries, _ := fs.ReadDir(embedded.Files, ".")
	for _, e := range entries {
		b, err := fs.ReadFile(embedded.Files, e.Name())
		if err == nil {
			out = append(out, Source{Name: e.Name(), Data: b})
		}
	}
	return out
}

// New compiles the built-in schemas with a repository's own files
// (which may be nil). A repository file whose bytes equal a built-in one is
// the same schema and is used once. It returns an error, with CUE's
// positions, when the files do not compile.
func New(repo []Source) (*Schema, error) {
	srcs := Builtin()
	builtin := map[string]bool{}
	for _, s := range srcs {
		builtin[string(s.Data)] = true
	}
	n := len(srcs)
	for _, r := range repo {
		if !builtin[string(r.Data)] {
			srcs = append(srcs, r)
		}
	}
	if len(srcs) == n {
		return builtinSchema()
	}
	return compile(srcs)
}

// builtinSchema is the built-in schema, compiled once per process; Warm
// starts that early, so it overlaps other work.
var builtinSchema = sync.OnceValues(func() (*Schema, error) { return compile(Builtin()) })

// Warm compiles the built-in schema in the background.
func Warm() { go builtinSchema() }

func compile(srcs []Source) (*Schema, error) {
	s := &Schema{Sources: srcs}
	h := sha256.New()
	fmt.Fprintf(h, "estate-schema-v1\n")
	names := make([]int, len(srcs))
	for i := range names {
		names[i] = i
	}
	sort.Slice(names, func(a, b int) bool { return srcs[names[a]].Name < srcs[names[b]].Name })
	for _, i := range names {
		fmt.Fprintf(h, "%s %d\n", srcs[i].Name, len(srcs[i].Data))
		h.Write(srcs[i].Data)
	}
	s.digest = hex.EncodeToString(h.Sum(nil))
	if _, err := s.build(cuecontext.New()); err != nil {
		return nil, err
	}
	s.natives = nativeDefs(srcs)
	return s, nil
}

// NativeKinds lists the kinds whose valid documents are recognised
// without evaluating CUE (see native.go).
func (s *Schema) NativeKinds() []record.Kind {
	var out []record.Kind
	for _, k := range append(record.Kinds, record.KindFacts) {
		if s.natives["#"+string(k)] != nil {
			out = append(out, k)
		}
	}
	return out
}

// Digest identifies the effective schema: equal digests validate equally.
func (s *Schema) Digest() string { return s.digest }

func (s *Schema) build(ctx *cue.Context) (cue.Value, error) {
	inst := build.NewContext().NewInstance("estate", nil)
	for _, src := range s.Sources {
		f, err := parser.ParseFile(src.Name, src.Data, parser.ParseComments)
		if err != nil {
			return cue.Value{}, fmt.Errorf("parse schema %s: %s", src.Name, errors.Details(err, nil))
		}
		if f.PackageName() != "estate" {
			return cue.Value{}, fmt.Errorf("schema %s: want package estate, got %q", src.Name, f.PackageName())
		}
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, fmt.Errorf("schema %s: %w", src.Name, err)
		}
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("compile schemas: %s", errors.Details(err, nil))
	}
	if err := v.Validate(); err != nil {
		return cue.Value{}, fmt.Errorf("compile schemas: %s", errors.Details(err, nil))
	}
	for _, k := range append(record.Kinds, record.KindFacts) {
		if d := v.LookupPath(cue.ParsePath("#" + string(k))); !d.Exists() {
			return cue.Value{}, fmt.Errorf("compile schemas: #%s is not defined", k)
		}
	}
	return v, nil
}

// Text returns the effective schema as one CUE file: the declarations of
// every file in order, each under a comment naming it, with one package
// clause and the imports they need. `cue vet` and editors can read it.
func (s *Schema) Text() ([]byte, error) {
	var body bytes.Buffer
	imports := map[string]bool{}
	for _, src := range s.Sources {
		f, err := parser.ParseFile(src.Name, src.Data, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse schema %s: %w", src.Name, err)
		}
		var decls []ast.Decl
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.Package:
				continue
			case *ast.ImportDecl:
				for _, spec := range d.Specs {
					imports[spec.Path.Value] = true
				}
				continue
			}
			decls = append(decls, d)
		}
		out, err := format.Node(&ast.File{Decls: decls})
		if err != nil {
			return nil, fmt.Errorf("format schema %s: %w", src.Name, err)
		}
		fmt.Fprintf(&body, "\n// ---- %s ----\n\n", src.Name)
		body.Write(out)
	}
	var b bytes.Buffer
	b.WriteString("package estate\n")
	paths := make([]string, 0, len(imports))
	for p := range imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(&b, "\nimport %s\n", p)
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}
