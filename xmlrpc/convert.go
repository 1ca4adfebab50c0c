package xmlrpc

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// ErrTypeMismatch reports that Unmarshal found a value whose type does not
// fit the destination.
var ErrTypeMismatch = errors.New("xmlrpc: value does not match the Go type")

// Unmarshal stores a decoded Value in the Go value dst points to; it is the
// reverse of the encoders' reflection rules, for clients that prefer typed
// results (for example a ProcessInfo struct from getProcessInfo):
//
//   - a struct field takes the member named by its `xmlrpc:"name"` tag, or by
//     the field name; members without a field are ignored, fields without a
//     member keep their value;
//   - integer and float fields take int (range checked), float fields also
//     take float64; string fields take string; []byte takes []byte or string;
//     time.Time takes time.Time; slices take []any; maps with string keys and
//     structs take map[string]any or Struct; pointers are allocated;
//   - an interface field (any) takes the Value as is; nil sets a pointer,
//     slice, map or interface to nil.
//
// Any other combination fails with an error wrapping ErrTypeMismatch that
// names the path of the offending value.
func Unmarshal(v Value, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%w: Unmarshal needs a non-nil pointer, not %T", ErrTypeMismatch, dst)
	}
	return assign(rv.Elem(), v, "value")
}

func mismatch(v any, t reflect.Type, path string) error {
	return fmt.Errorf("%w: cannot store %T in %s at %s", ErrTypeMismatch, v, t, path)
}

func assign(dst reflect.Value, v any, path string) error {
	t := dst.Type()
	if t == timeType {
		tv, ok := v.(time.Time)
		if !ok {
			return mismatch(v, t, path)
		}
		dst.Set(reflect.ValueOf(tv))
		return nil
	}
	if v == nil {
		switch dst.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
			dst.SetZero()
			return nil
		}
		return mismatch(v, t, path)
	}
	switch dst.Kind() {
	case reflect.Interface:
		vv := reflect.ValueOf(v)
		if !vv.Type().AssignableTo(t) {
			return mismatch(v, t, path)
		}
		dst.Set(vv)
		return nil
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := assign(p.Elem(), v, path); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return mismatch(v, t, path)
		}
		dst.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(int)
		if !ok || dst.OverflowInt(int64(n)) {
			return mismatch(v, t, path)
		}
		dst.SetInt(int64(n))
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := v.(int)
		if !ok || n < 0 || dst.OverflowUint(uint64(n)) {
			return mismatch(v, t, path)
		}
		dst.SetUint(uint64(n))
		return nil
	case reflect.Float32, reflect.Float64:
		switch x := v.(type) {
		case float64:
			dst.SetFloat(x)
		case int:
			dst.SetFloat(float64(x))
		default:
			return mismatch(v, t, path)
		}
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return mismatch(v, t, path)
		}
		dst.SetString(s)
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			var b []byte
			switch x := v.(type) {
			case []byte:
				b = x
			case string:
				b = []byte(x)
			default:
				return mismatch(v, t, path)
			}
			dst.SetBytes(append([]byte(nil), b...))
			return nil
		}
		items, ok := v.([]any)
		if !ok {
			return mismatch(v, t, path)
		}
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, item := range items {
			if err := assign(s.Index(i), item, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		members, ok := structMembers(v)
		if !ok || t.Key().Kind() != reflect.String {
			return mismatch(v, t, path)
		}
		m := reflect.MakeMapWithSize(t, len(members))
		for _, mem := range members {
			ev := reflect.New(t.Elem()).Elem()
			if err := assign(ev, mem.Value, path+"."+mem.Name); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(mem.Name).Convert(t.Key()), ev)
		}
		dst.Set(m)
		return nil
	case reflect.Struct:
		members, ok := structMembers(v)
		if !ok {
			return mismatch(v, t, path)
		}
		byName := make(map[string]int)
		for _, f := range structFields(t) {
			byName[f.name] = f.index
		}
		for _, mem := range members {
			i, ok := byName[mem.Name]
			if !ok {
				continue
			}
			if err := assign(dst.Field(i), mem.Value, path+"."+mem.Name); err != nil {
				return err
			}
		}
		return nil
	}
	return mismatch(v, t, path)
}

// structMembers lists the members of a decoded or ordered struct.
func structMembers(v any) (Struct, bool) {
	switch x := v.(type) {
	case Struct:
		return x, true
	case map[string]any:
		s := make(Struct, 0, len(x))
		for k, e := range x {
			s = append(s, Member{k, e})
		}
		return s, true
	}
	return nil, false
}
