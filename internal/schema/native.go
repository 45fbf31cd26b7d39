package schema

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// A native checker is compiled from the schema's CUE syntax and decides
// in plain Go whether a decoded document is valid. It covers the
// constructs estate's schemas use (struct literals with required, regular
// and optional fields, references to definitions, & and |, literals, the
// basic types, =~ !~ and numeric bounds, != literal, open lists [...T],
// time.Format and time.Time); a definition that uses anything else has no
// native checker and is always evaluated by CUE.
//
// It is a pre-check: when it says a document is valid, CUE would say so too
// (the differential tests in native_test.go hold it to that), and the CUE
// evaluation is skipped. Anything else goes to CUE, which also writes the
// error messages.
type native interface {
	ok(v any) bool
}

// nativeDefs compiles a checker for every definition it can. Definitions
// declared in several files (a repository narrowing #Asset) are unified.
func nativeDefs(srcs []Source) map[string]native {
	decls := map[string][]ast.Expr{}
	for _, src := range srcs {
		f, err := parser.ParseFile(src.Name, src.Data)
		if err != nil {
			return nil
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.Package, *ast.ImportDecl, *ast.CommentGroup:
			case *ast.Field:
				name, ok := labelName(d.Label)
				if !ok || d.Constraint != token.ILLEGAL {
					return nil
				}
				decls[name] = append(decls[name], d.Value)
			default:
				return nil // something at top level we do not model
			}
		}
	}
	c := &nativeCompiler{decls: decls, done: map[string]*lazy{}}
	out := map[string]native{}
	for name := range decls {
		if len(name) > 0 && name[0] == '#' {
			if n, err := c.def(name); err == nil {
				out[name] = n
			} else if debugNative {
				fmt.Println("native:", name, err)
			}
		}
	}
	return out
}

type nativeCompiler struct {
	decls map[string][]ast.Expr
	done  map[string]*lazy
}

// lazy breaks reference cycles between definitions.
type lazy struct{ n native }

func (l *lazy) ok(v any) bool { return l.n.ok(v) }

var errUnsupported = fmt.Errorf("unsupported construct")

var debugNative = false

func (c *nativeCompiler) def(name string) (native, error) {
	if l, ok := c.done[name]; ok {
		if l.n == nil {
			return l, nil // cycle: resolved when the outer call returns
		}
		return l.n, nil
	}
	exprs, ok := c.decls[name]
	if !ok {
		return nil, fmt.Errorf("undefined %s", name)
	}
	l := &lazy{}
	c.done[name] = l
	n, err := c.conj(exprs, true)
	if err != nil {
		delete(c.done, name)
		return nil, err
	}
	l.n = n
	return n, nil
}

// conj compiles the unification of exprs. Struct literals among them are
// merged into one struct (fields unified, closed when closed is set).
func (c *nativeCompiler) conj(exprs []ast.Expr, closed bool) (native, error) {
	var structs []*ast.StructLit
	var others []native
	for _, e := range exprs {
		if s, ok := unparen(e).(*ast.StructLit); ok {
			structs = append(structs, s)
			continue
		}
		n, err := c.expr(e, closed)
		if err != nil {
			return nil, err
		}
		others = append(others, n)
	}
	if len(structs) > 0 {
		s, err := c.structs(structs, closed)
		if err != nil {
			return nil, err
		}
		others = append(others, s)
	}
	if len(others) == 1 {
		return others[0], nil
	}
	return allOf(others), nil
}

type field struct {
	name     string
	optional bool // a?: T
	required bool // a!: T
	exprs    []ast.Expr
}

func (c *nativeCompiler) structs(lits []*ast.StructLit, closed bool) (native, error) {
	byName := map[string]*field{}
	var order []string
	var embeds []native // matchN constraints on the struct
	open := false
	for _, lit := range lits {
		for _, el := range lit.Elts {
			switch el := el.(type) {
			case *ast.Field:
				name, ok := labelName(el.Label)
				if !ok {
					return nil, fmt.Errorf("%w: label %T", errUnsupported, el.Label)
				}
				f := byName[name]
				if f == nil {
					f = &field{name: name, optional: true}
					byName[name] = f
					order = append(order, name)
				}
				switch el.Constraint {
				case token.OPTION:
				case token.NOT:
					f.required, f.optional = true, false
				default:
					f.optional = false
				}
				f.exprs = append(f.exprs, el.Value)
			case *ast.Ellipsis:
				if el.Type != nil {
					return nil, errUnsupported
				}
				open = true
			case *ast.CommentGroup:
			case *ast.EmbedDecl:
				call, ok := el.Expr.(*ast.CallExpr)
				if !ok {
					return nil, fmt.Errorf("%w: embedded %T", errUnsupported, el.Expr)
				}
				m, err := c.matchN(call)
				if err != nil {
					return nil, err
				}
				embeds = append(embeds, m)
			default:
				return nil, fmt.Errorf("%w: %T in a struct", errUnsupported, el) // comprehensions, patterns
			}
		}
	}
	s := &structChecker{open: open || !closed, fields: map[string]*fieldChecker{}}
	for _, name := range order {
		f := byName[name]
		n, err := c.conj(f.exprs, closed)
		if err != nil {
			return nil, err
		}
		fc := &fieldChecker{check: n, optional: f.optional, required: f.required}
		if !f.optional && !f.required {
			// A regular field that is absent passes only when the
			// schema gives it a concrete value (CUE fills it in).
			fc.concrete = len(f.exprs) == 1 && isConcreteLiteral(c, f.exprs[0], 0)
		}
		s.fields[name] = fc
		s.order = append(s.order, name)
	}
	if len(embeds) > 0 {
		return allOf(append([]native{s}, embeds...)), nil
	}
	return s, nil
}

// matchN is CUE's matchN(n, [schemas...]): how many of the schemas v
// satisfies (each taken as open, as CUE does) must equal n, or satisfy a
// bound such as >=1.
type matchN struct {
	want    func(int) bool
	schemas []native
}

func (m matchN) ok(v any) bool {
	n := 0
	for _, s := range m.schemas {
		if s.ok(v) {
			n++
		}
	}
	return m.want(n)
}

func (c *nativeCompiler) matchN(call *ast.CallExpr) (native, error) {
	fn, ok := call.Fun.(*ast.Ident)
	if !ok || fn.Name != "matchN" || len(call.Args) != 2 {
		return nil, fmt.Errorf("%w: a call in a struct", errUnsupported)
	}
	var m matchN
	count := func(e ast.Expr) (int, bool) {
		lit, ok := unparen(e).(*ast.BasicLit)
		if !ok || lit.Kind != token.INT {
			return 0, false
		}
		n, err := strconv.Atoi(lit.Value)
		return n, err == nil
	}
	switch e := unparen(call.Args[0]).(type) {
	case *ast.UnaryExpr:
		n, ok := count(e.X)
		if !ok || e.Op != token.GEQ {
			return nil, errUnsupported
		}
		m.want = func(k int) bool { return k >= n }
	default:
		n, ok := count(e)
		if !ok {
			return nil, errUnsupported
		}
		m.want = func(k int) bool { return k == n }
	}
	list, ok := unparen(call.Args[1]).(*ast.ListLit)
	if !ok {
		return nil, errUnsupported
	}
	for _, el := range list.Elts {
		var s native
		var err error
		if inner, ok := unparen(el).(*ast.CallExpr); ok {
			s, err = c.matchN(inner)
		} else {
			s, err = c.expr(el, false)
		}
		if err != nil {
			return nil, err
		}
		m.schemas = append(m.schemas, s)
	}
	return m, nil
}

func isConcreteLiteral(c *nativeCompiler, e ast.Expr, depth int) bool {
	if depth > 8 {
		return false
	}
	switch e := unparen(e).(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		if e.Name == "true" || e.Name == "false" || e.Name == "null" {
			return true
		}
		if exprs, ok := c.decls[e.Name]; ok && len(exprs) == 1 {
			return isConcreteLiteral(c, exprs[0], depth+1)
		}
	}
	return false
}

func (c *nativeCompiler) expr(e ast.Expr, closed bool) (native, error) {
	switch e := unparen(e).(type) {
	case *ast.Ident:
		switch e.Name {
		case "string":
			return kindChecker(func(v any) bool { _, ok := v.(string); return ok }), nil
		case "int":
			return kindChecker(func(v any) bool { _, ok := v.(int64); return ok }), nil
		case "float":
			return kindChecker(func(v any) bool { _, ok := v.(float64); return ok }), nil
		case "number":
			return kindChecker(func(v any) bool {
				switch v.(type) {
				case int64, float64:
					return true
				}
				return false
			}), nil
		case "bool":
			return kindChecker(func(v any) bool { _, ok := v.(bool); return ok }), nil
		case "_":
			return kindChecker(func(any) bool { return true }), nil
		case "null":
			return kindChecker(func(v any) bool { return v == nil }), nil
		case "true", "false":
			b := e.Name == "true"
			return kindChecker(func(v any) bool { x, ok := v.(bool); return ok && x == b }), nil
		}
		if len(e.Name) > 0 && e.Name[0] == '#' {
			return c.def(e.Name)
		}
		return nil, errUnsupported
	case *ast.BasicLit:
		return literalChecker(e)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.AND:
			return c.conj([]ast.Expr{e.X, e.Y}, closed)
		case token.OR:
			x, err := c.expr(e.X, closed)
			if err != nil {
				return nil, err
			}
			y, err := c.expr(e.Y, closed)
			if err != nil {
				return nil, err
			}
			return anyOf{x, y}, nil
		}
		return nil, errUnsupported
	case *ast.UnaryExpr:
		return c.unary(e, closed)
	case *ast.StructLit:
		return c.structs([]*ast.StructLit{e}, closed)
	case *ast.ListLit:
		// [a, b, ...T]: the leading elements each checked, the rest T
		// (open lists only: a closed list of fixed length is left to CUE).
		if len(e.Elts) == 0 {
			return nil, errUnsupported
		}
		el, ok := e.Elts[len(e.Elts)-1].(*ast.Ellipsis)
		if !ok {
			return nil, errUnsupported
		}
		var l listChecker
		for _, x := range e.Elts[:len(e.Elts)-1] {
			n, err := c.conj([]ast.Expr{x}, closed)
			if err != nil {
				return nil, err
			}
			l.prefix = append(l.prefix, n)
		}
		if el.Type == nil {
			l.elem = kindChecker(func(any) bool { return true })
			return l, nil
		}
		n, err := c.conj([]ast.Expr{el.Type}, closed)
		if err != nil {
			return nil, err
		}
		l.elem = n
		return l, nil
	case *ast.SelectorExpr:
		if pkg, ok := e.X.(*ast.Ident); ok && pkg.Name == "time" {
			if sel, ok := labelName(e.Sel); ok && sel == "Time" {
				return timeChecker(time.RFC3339Nano), nil
			}
		}
		return nil, errUnsupported
	case *ast.CallExpr:
		fn, ok := e.Fun.(*ast.SelectorExpr)
		if !ok || len(e.Args) != 1 {
			return nil, errUnsupported
		}
		pkg, ok := fn.X.(*ast.Ident)
		sel, ok2 := labelName(fn.Sel)
		lit, ok3 := e.Args[0].(*ast.BasicLit)
		if !ok || !ok2 || !ok3 || pkg.Name != "time" || sel != "Format" || lit.Kind != token.STRING {
			return nil, errUnsupported
		}
		layout, err := literal.Unquote(lit.Value)
		if err != nil {
			return nil, errUnsupported
		}
		return timeChecker(layout), nil
	}
	return nil, fmt.Errorf("%w: %T", errUnsupported, e)
}

func (c *nativeCompiler) unary(e *ast.UnaryExpr, closed bool) (native, error) {
	if e.Op == token.MUL { // a default: *x | y
		return c.expr(e.X, closed)
	}
	lit, ok := unparen(e.X).(*ast.BasicLit)
	if !ok {
		return nil, errUnsupported
	}
	switch e.Op {
	case token.MAT, token.NMAT:
		if lit.Kind != token.STRING {
			return nil, errUnsupported
		}
		s, err := literal.Unquote(lit.Value)
		if err != nil {
			return nil, errUnsupported
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, errUnsupported
		}
		want := e.Op == token.MAT
		return kindChecker(func(v any) bool {
			s, ok := v.(string)
			return ok && re.MatchString(s) == want
		}), nil
	case token.GEQ, token.GTR, token.LEQ, token.LSS:
		if lit.Kind != token.INT && lit.Kind != token.FLOAT {
			return nil, errUnsupported
		}
		bound, err := strconv.ParseFloat(lit.Value, 64)
		if err != nil {
			return nil, errUnsupported
		}
		op := e.Op
		return kindChecker(func(v any) bool {
			var x float64
			switch n := v.(type) {
			case int64:
				if n > 1<<53 || n < -(1<<53) {
					return false // let CUE compare exactly
				}
				x = float64(n)
			case float64:
				x = n
			default:
				return false
			}
			switch op {
			case token.GEQ:
				return x >= bound
			case token.GTR:
				return x > bound
			case token.LEQ:
				return x <= bound
			}
			return x < bound
		}), nil
	case token.NEQ:
		eq, err := literalChecker(lit)
		if err != nil {
			return nil, err
		}
		same, _ := literalKind(lit)
		return kindChecker(func(v any) bool { return same(v) && !eq.ok(v) }), nil
	}
	return nil, errUnsupported
}

func literalKind(lit *ast.BasicLit) (func(any) bool, error) {
	switch lit.Kind {
	case token.STRING:
		return func(v any) bool { _, ok := v.(string); return ok }, nil
	case token.INT:
		return func(v any) bool { _, ok := v.(int64); return ok }, nil
	case token.FLOAT:
		return func(v any) bool { _, ok := v.(float64); return ok }, nil
	}
	return nil, errUnsupported
}

func literalChecker(lit *ast.BasicLit) (native, error) {
	switch lit.Kind {
	case token.TRUE, token.FALSE:
		b := lit.Kind == token.TRUE
		return kindChecker(func(v any) bool { x, ok := v.(bool); return ok && x == b }), nil
	case token.NULL:
		return kindChecker(func(v any) bool { return v == nil }), nil
	case token.STRING:
		if len(lit.Value) > 0 && lit.Value[0] == '\'' {
			return nil, errUnsupported // bytes
		}
		s, err := literal.Unquote(lit.Value)
		if err != nil {
			return nil, errUnsupported
		}
		return kindChecker(func(v any) bool { x, ok := v.(string); return ok && x == s }), nil
	case token.INT:
		n, err := strconv.ParseInt(lit.Value, 10, 64)
		if err != nil {
			return nil, errUnsupported
		}
		return kindChecker(func(v any) bool { x, ok := v.(int64); return ok && x == n }), nil
	}
	return nil, errUnsupported
}

func timeChecker(layout string) native {
	return kindChecker(func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := time.Parse(layout, s)
		return err == nil
	})
}

func labelName(l ast.Label) (string, bool) {
	switch l := l.(type) {
	case *ast.Ident:
		return l.Name, true
	case *ast.BasicLit:
		if l.Kind != token.STRING {
			return "", false
		}
		s, err := literal.Unquote(l.Value)
		return s, err == nil
	}
	return "", false
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

type kindChecker func(any) bool

func (k kindChecker) ok(v any) bool { return k(v) }

type allOf []native

func (a allOf) ok(v any) bool {
	for _, n := range a {
		if !n.ok(v) {
			return false
		}
	}
	return true
}

type anyOf []native

func (a anyOf) ok(v any) bool {
	for _, n := range a {
		if n.ok(v) {
			return true
		}
	}
	return false
}

// listChecker checks a list: at least len(prefix) elements, each of the
// first checked by its prefix checker, the others by elem.
type listChecker struct {
	prefix []native
	elem   native
}

func (l listChecker) ok(v any) bool {
	s, ok := v.([]any)
	if !ok || len(s) < len(l.prefix) {
		return false
	}
	for i, e := range s {
		c := l.elem
		if i < len(l.prefix) {
			c = l.prefix[i]
		}
		if !c.ok(e) {
			return false
		}
	}
	return true
}

type fieldChecker struct {
	check              native
	optional, required bool
	concrete           bool // regular field with a concrete schema value
}

type structChecker struct {
	open   bool
	order  []string
	fields map[string]*fieldChecker
}

func (s *structChecker) ok(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, name := range s.order {
		f := s.fields[name]
		x, present := m[name]
		if !present {
			if f.optional || f.concrete {
				continue
			}
			return false
		}
		if !f.check.ok(x) {
			return false
		}
	}
	if !s.open {
		for k := range m {
			if _, ok := s.fields[k]; !ok {
				return false
			}
		}
	}
	return true
}
