package daemon

// The ports of third-party namespaces, each built on the public plugin
// API only and registered under the original's factory name.
import (
	_ "github.com/supervisorgo/supervisor/internal/plugins/cache"
	_ "github.com/supervisorgo/supervisor/internal/plugins/laforge"
	_ "github.com/supervisorgo/supervisor/internal/plugins/twiddler"
)
