// Package examples holds the example configuration shipped with the
// project, so that `supervisord --example-config` can print it.
package examples

import _ "embed"

// SupervisordConf is examples/supervisord.conf.
//
//go:embed supervisord.conf
var SupervisordConf []byte
