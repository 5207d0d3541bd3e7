package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// checkFileMode refuses a config file that group or others may write.
func checkFileMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return err
		}
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("config file %s is writable by other users (mode %04o): whoever changes api_url there receives your key and card data; refusing it (chmod 600 %s)", path, perm, path)
	}
	return nil
}

// readableByOthers reports a file group or others may read.
func readableByOthers(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o044 != 0
}

// keySource names where the secret key came from, for messages.
func keySource(src, path string) string {
	switch src {
	case "flag":
		return "from --secret-key"
	case "flagfile":
		return "from --secret-key-file"
	case "env":
		return "from KOMOJU_SECRET_KEY in the environment"
	case "envfile":
		return "from the file in KOMOJU_SECRET_KEY_FILE"
	case "file":
		return "from the config file " + path
	}
	return "from nowhere"
}

// maxSecretFile bounds what is read of a secret file: keys are short.
const maxSecretFile = 4 << 10

// ReadSecret reads a secret from path ("-" is stdin, nil stdin meaning
// os.Stdin): the first line, trimmed, at most 4 KiB read.
func ReadSecret(path string, stdin io.Reader) (string, error) {
	var r io.Reader
	if path == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxSecretFile))
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	s := strings.TrimSpace(line)
	if s == "" {
		return "", errors.New("is empty")
	}
	return s, nil
}

// secretFiles reads --secret-key-file and --webhook-secret-file (which
// then count as the flags) and KOMOJU_SECRET_KEY_FILE and
// KOMOJU_WEBHOOK_SECRET_FILE (which count as the environment variables:
// the returned getenv answers for them). Giving a secret both ways is an
// error.
func secretFiles(f *Flags, getenv func(string) string) (func(string) string, map[string]string, error) {
	overlay := map[string]string{}
	src := map[string]string{}
	for _, s := range []struct {
		flag, env string
		dst, path *string
	}{
		{"secret-key", "KOMOJU_SECRET_KEY", &f.SecretKey, &f.SecretKeyFile},
		{"webhook-secret", "KOMOJU_WEBHOOK_SECRET", &f.WebhookSecret, &f.WebhookSecretFile},
	} {
		if *s.path != "" {
			if f.set(s.flag) {
				return nil, nil, fmt.Errorf("both --%s and --%s-file are given: use one", s.flag, s.flag)
			}
			v, err := ReadSecret(*s.path, f.Stdin)
			if err != nil {
				return nil, nil, fmt.Errorf("--%s-file %s: %w", s.flag, *s.path, err)
			}
			*s.dst = v
			src[s.flag] = "flagfile"
			continue
		}
		if path := strings.TrimSpace(getenv(s.env + "_FILE")); path != "" {
			if strings.TrimSpace(getenv(s.env)) != "" {
				return nil, nil, fmt.Errorf("both %s and %s_FILE are set: use one", s.env, s.env)
			}
			v, err := ReadSecret(path, f.Stdin)
			if err != nil {
				return nil, nil, fmt.Errorf("%s_FILE %s: %w", s.env, path, err)
			}
			overlay[s.env] = v
			src[s.flag] = "envfile"
		}
	}
	if len(overlay) == 0 {
		return getenv, src, nil
	}
	return func(k string) string {
		if v, ok := overlay[k]; ok {
			return v
		}
		return getenv(k)
	}, src, nil
}
