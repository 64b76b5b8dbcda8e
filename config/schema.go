package config

import (
	"reflect"
	"sort"
	"strings"
)

// valueKind is what a key in the configuration file must hold.
type valueKind int

const (
	kindString valueKind = iota
	kindDuration
	kindBool
	kindInt
	kindStringList
	kindTable
	kindTableArray
)

// describe is used in "must be ..." messages.
func (k valueKind) describe() string {
	switch k {
	case kindString:
		return "a string"
	case kindDuration:
		return `a duration string such as "30s" or "2m"`
	case kindBool:
		return "true or false"
	case kindInt:
		return "an integer"
	case kindStringList:
		return "an array of strings"
	case kindTable:
		return "a table"
	case kindTableArray:
		return "an array of tables"
	default:
		return "a value"
	}
}

// schemaNode describes one key of the file. For tables and arrays of tables,
// fields lists the keys allowed inside (inside each element for arrays).
type schemaNode struct {
	kind   valueKind
	fields map[string]*schemaNode
}

// fieldNames lists the keys allowed in a table, for "did you mean" hints.
func (n *schemaNode) fieldNames() []string {
	names := make([]string, 0, len(n.fields))
	for name := range n.fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// configSchema derives the allowed keys from the struct tags of Config, so
// the schema can never drift from the types the file is decoded into.
func configSchema() *schemaNode {
	return &schemaNode{kind: kindTable, fields: structFields(reflect.TypeFor[Config]())}
}

func structFields(t reflect.Type) map[string]*schemaNode {
	fields := make(map[string]*schemaNode)
	for i := 0; i < t.NumField(); i++ {
		field := t.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("toml"), ",")
		if !field.IsExported() || name == "-" || name == "" {
			continue
		}
		if node := schemaForType(field.Type); node != nil {
			fields[name] = node
		}
	}
	return fields
}

func schemaForType(t reflect.Type) *schemaNode {
	if t == reflect.TypeFor[Duration]() {
		return &schemaNode{kind: kindDuration}
	}
	switch t.Kind() {
	case reflect.String:
		return &schemaNode{kind: kindString}
	case reflect.Bool:
		return &schemaNode{kind: kindBool}
	case reflect.Int:
		return &schemaNode{kind: kindInt}
	case reflect.Struct:
		return &schemaNode{kind: kindTable, fields: structFields(t)}
	case reflect.Slice:
		switch t.Elem().Kind() {
		case reflect.String:
			return &schemaNode{kind: kindStringList}
		case reflect.Struct:
			return &schemaNode{kind: kindTableArray, fields: structFields(t.Elem())}
		}
	}
	// Only reachable if someone adds a field of a new type to Config; the
	// schema test fails loudly in that case.
	return nil
}

// closestName suggests a known key for a misspelt one, or "" if nothing is close.
func closestName(unknown string, known []string) string {
	best, bestDistance := "", 3 // more than 2 edits is not a typo
	for _, candidate := range known {
		if d := editDistance(strings.ToLower(unknown), candidate); d < bestDistance {
			best, bestDistance = candidate, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}
