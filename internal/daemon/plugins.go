package daemon

// The namespaces compiled into supervisord; each registers its factory
// with the plugin package.
import (
	_ "github.com/supervisorgo/supervisor/internal/execplugin"
	_ "github.com/supervisorgo/supervisor/internal/rpc/mainapi"
)
