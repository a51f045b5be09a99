package safetext

import "reflect"

// EscapeAll returns a copy of v in which every string reachable through
// exported struct fields, pointers, slices, arrays and maps (keys too) is
// escaped, but those of the struct fields named in keep (key URIs and key
// IDs, which open and match keys and are never shown whole). v itself is
// not changed. Interfaces and unexported fields are copied as they are:
// what they hold is not shown, or is escaped where it is.
func EscapeAll[T any](v T, keep ...string) T {
	kept := make(map[string]bool, len(keep))
	for _, k := range keep {
		kept[k] = true
	}
	in := reflect.ValueOf(&v).Elem()
	return escapedCopy(in, kept).Interface().(T)
}

func escapedCopy(v reflect.Value, keep map[string]bool) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.String:
		out.SetString(Escape(v.String()))
	case reflect.Pointer:
		if v.IsNil() {
			return out
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(escapedCopy(v.Elem(), keep))
		out.Set(p)
	case reflect.Struct:
		out.Set(v)
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.IsExported() && !keep[f.Name] {
				out.Field(i).Set(escapedCopy(v.Field(i), keep))
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return out
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			s.Index(i).Set(escapedCopy(v.Index(i), keep))
		}
		out.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(escapedCopy(v.Index(i), keep))
		}
	case reflect.Map:
		if v.IsNil() {
			return out
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			m.SetMapIndex(escapedCopy(it.Key(), keep), escapedCopy(it.Value(), keep))
		}
		out.Set(m)
	default:
		out.Set(v)
	}
	return out
}
