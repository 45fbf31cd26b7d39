package load

import (
	"reflect"
	"strings"
	"sync"
)

// Decode fills out (a pointer to a struct) from a value made by Value,
// matching map keys to the yaml tags of out's fields. It is best effort by
// design: a value of the wrong type leaves its field zero (the schema
// layer reports it). It is the fast path that replaces yaml.Node.Decode
// for records that have been converted already.
func Decode(value any, out any) {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return
	}
	assign(rv.Elem(), value)
}

type fieldInfo struct {
	index []int
}

var fieldCache sync.Map // reflect.Type -> map[string]fieldInfo

func fieldsOf(t reflect.Type) map[string]fieldInfo {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = fieldInfo{index: f.Index}
	}
	fieldCache.Store(t, m)
	return m
}

func assign(dst reflect.Value, v any) {
	if v == nil {
		return
	}
	switch dst.Kind() {
	case reflect.Pointer:
		elem := reflect.New(dst.Type().Elem())
		assign(elem.Elem(), v)
		dst.Set(elem)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields := fieldsOf(dst.Type())
		for k, x := range m {
			if fi, ok := fields[k]; ok {
				assign(dst.FieldByIndex(fi.index), x)
			}
		}
	case reflect.String:
		if s, ok := v.(string); ok {
			dst.SetString(s)
		}
	case reflect.Bool:
		if b, ok := v.(bool); ok {
			dst.SetBool(b)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if n, ok := v.(int64); ok {
			dst.SetInt(n)
		}
	case reflect.Float64, reflect.Float32:
		switch n := v.(type) {
		case float64:
			dst.SetFloat(n)
		case int64:
			dst.SetFloat(float64(n))
		}
	case reflect.Slice:
		s, ok := v.([]any)
		if !ok {
			return
		}
		out := reflect.MakeSlice(dst.Type(), len(s), len(s))
		for i, x := range s {
			assign(out.Index(i), x)
		}
		dst.Set(out)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for k, x := range m {
			e := reflect.New(dst.Type().Elem()).Elem()
			assign(e, x)
			out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), e)
		}
		dst.Set(out)
	case reflect.Interface:
		if dst.NumMethod() == 0 {
			if i, ok := v.(int64); ok {
				dst.Set(reflect.ValueOf(int(i)))
				return
			}
			dst.Set(reflect.ValueOf(v))
		}
	}
}
