package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// Load reads the TOML file at path, applies defaults and validates it.
// Problems in the file's content are returned as *Error, each naming file,
// line and field; I/O failures are returned wrapped.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	return parse(path, data)
}

// parse does the work of Load on bytes already read: a syntax and schema
// walk, decoding, defaults, then validation of the values' meaning. A stage
// runs only if the one before found nothing, because later stages would mostly
// repeat earlier problems in a more confusing way — except that unknown keys
// alone do not hide the problems of the values next to them.
func parse(file string, data []byte) (*Config, error) {
	keys, problems := scanDocument(file, data, configSchema())
	if len(problems) > 0 {
		return nil, &Error{Problems: append(problems, lenientValidate(file, data, keys)...)}
	}
	cfg := &Config{}
	if problems := decode(file, data, keys, cfg); len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	cfg.Path = file
	applyDefaults(cfg, keys)
	if problems := validate(cfg, keys); len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return cfg, nil
}

// decode fills cfg from data. The scan has already rejected unknown keys and
// wrong types; what is left for the decoder are rules such as duplicate
// tables or out-of-range integers. Strict mode stays on as a safety net.
func decode(file string, data []byte, keys keyIndex, cfg *Config) (problems []Problem) {
	// The scan has vetted the input, but a bug in a third-party parser must
	// not crash the phone at start-up; report it as a problem instead.
	defer func() {
		if recovered := recover(); recovered != nil {
			problems = []Problem{{File: file, Message: fmt.Sprintf("internal error while decoding: %v", recovered)}}
		}
	}()
	decoder := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	err := decoder.Decode(cfg)
	if err == nil {
		return nil
	}
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		for i := range strict.Errors {
			problems = append(problems, decodeProblem(file, data, keys, &strict.Errors[i], "unknown key"))
		}
		return problems
	}
	var decodeErr *toml.DecodeError
	if errors.As(err, &decodeErr) {
		return []Problem{decodeProblem(file, data, keys, decodeErr, strings.TrimPrefix(decodeErr.Error(), "toml: "))}
	}
	return []Problem{{File: file, Message: err.Error()}}
}

func decodeProblem(file string, data []byte, keys keyIndex, err *toml.DecodeError, message string) Problem {
	line, _ := err.Position()
	field := keys.pathAtLine(line)
	if field == "" {
		field = strings.Join(err.Key(), ".")
	}
	return hideDetailsOnPasswordLine(data, Problem{File: file, Line: line, Field: field, Message: message}, "invalid value")
}

// lenientValidate decodes while ignoring unknown keys and returns the problems
// of the values, so that one `config check` run shows a typo'd key and a bad
// value together (the key problems first: they are often the cause). If the document does not decode, the scan's problems stand alone.
func lenientValidate(file string, data []byte, keys keyIndex) (problems []Problem) {
	defer func() {
		if recover() != nil {
			problems = nil
		}
	}()
	cfg := &Config{}
	if err := toml.NewDecoder(bytes.NewReader(data)).Decode(cfg); err != nil {
		return nil
	}
	cfg.Path = file
	applyDefaults(cfg, keys)
	return validate(cfg, keys)
}
