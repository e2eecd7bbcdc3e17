package main

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"userbridge/internal/app"
)

// configEnv names the settings file when --config is not given.
const configEnv = "USERBRIDGE_CONFIG"

// defaultConfigPath is the settings file read when neither --config nor
// USERBRIDGE_CONFIG names one, if it exists: userbridge/config.env under
// the user's configuration folder ($XDG_CONFIG_HOME or ~/.config on Linux,
// ~/Library/Application Support on macOS, %AppData% on Windows). The same
// person running the server and the commands gets the same store from any
// folder.
func defaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "userbridge", "config.env")
}

// configFile is a settings file: KEY=VALUE lines whose keys are the
// settings' environment variables (DATABASE_URL=...), blank lines and
// # comments; a value may be quoted ("..." or '...'). The format is the
// one systemd's EnvironmentFile and docker's --env-file read, so one file
// can serve a service manager and the command line.
type configFile struct {
	path   string
	values map[string]string
}

// loadConfigFile reads the settings file named by flag, else by
// USERBRIDGE_CONFIG, else the default one when it exists (none: an empty
// file). A key that is no setting's variable is refused with its line, so
// a typo does not silently fall back to a default. Relative sqlite:// and
// file:// paths are made relative to the file's folder, not to the folder
// the command runs in.
func loadConfigFile(flag string, known map[string]bool) (configFile, error) {
	path, explicit := flag, flag != ""
	if path == "" {
		path, explicit = os.Getenv(configEnv), os.Getenv(configEnv) != ""
	}
	if path == "" {
		path = defaultConfigPath()
	}
	cf := configFile{values: map[string]string{}}
	if path == "" {
		return cf, nil
	}
	f, err := os.Open(path) //nolint:gosec // the operator names the settings file
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return cf, nil
	}
	if err != nil {
		return cf, usageErrorf("--config: %w", err)
	}
	defer f.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return cf, err
	}
	cf.path = abs
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return cf, usageErrorf("%s:%d: want KEY=VALUE, such as DATABASE_URL=sqlite:///var/lib/userbridge/app.db", path, n)
		}
		if !known[key] {
			return cf, usageErrorf("%s:%d: %s is not a setting (the keys are the variables of `userbridge --help`, such as DATABASE_URL)", path, n, key)
		}
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			if value[0] == '"' {
				if u, err := strconv.Unquote(value); err == nil {
					value = u
				} else {
					value = value[1 : len(value)-1]
				}
			} else {
				value = value[1 : len(value)-1]
			}
		}
		cf.values[key] = relativeToFile(key, value, filepath.Dir(abs))
	}
	return cf, sc.Err()
}

// relativeToFile makes a relative SQLite or folder path of the database
// and storage settings relative to dir.
func relativeToFile(key, value, dir string) string {
	prefix := map[string]string{"DATABASE_URL": "sqlite://", "STORAGE_URL": "file://"}[key]
	if prefix == "" || !strings.HasPrefix(value, prefix) {
		return value
	}
	p := strings.TrimPrefix(value, prefix)
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "file:") {
		return value
	}
	return prefix + filepath.Join(dir, p)
}

// settingVariables are the environment variables of every setting: the
// keys a settings file may hold, whichever command reads it.
func settingVariables() map[string]bool {
	cfg := app.Defaults()
	format := ""
	known := map[string]bool{}
	for _, s := range settings(&cfg, &format) {
		known[s.env] = true
	}
	return known
}

// configHelp is the --config flag's help.
const configHelp = "settings file: KEY=VALUE lines, keys as the environment variables; flags and variables win " +
	"(env " + configEnv + "; default ~/.config/userbridge/config.env, read when it exists)"
