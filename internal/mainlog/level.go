package mainlog

import (
	"log/slog"

	"github.com/supervisorgo/supervisor/internal/config"
)

// The main log's levels as slog levels. They keep the order of
// supervisor.loggers.LevelsByName (CRIT 50, ERRO 40, WARN 30, INFO 20,
// DEBG 10, TRAC 5, BLAT 3), and the four slog knows coincide with slog's own
// constants, so logger.Info, logger.Warn, logger.Error and logger.Debug
// produce INFO, WARN, ERRO and DEBG lines.
const (
	LevelCritical slog.Level = slog.LevelError + 4 // CRIT
	LevelError    slog.Level = slog.LevelError     // ERRO
	LevelWarn     slog.Level = slog.LevelWarn      // WARN
	LevelInfo     slog.Level = slog.LevelInfo      // INFO
	LevelDebug    slog.Level = slog.LevelDebug     // DEBG
	LevelTrace    slog.Level = slog.LevelDebug - 4 // TRAC
	LevelBlather  slog.Level = slog.LevelDebug - 8 // BLAT
)

// levels is the one table of level names, most severe first, with the
// reference's number for each (loggers.LevelsByName).
var levels = [...]struct {
	level slog.Level
	ref   config.LogLevel
	name  string
}{
	{LevelCritical, config.LevelCritical, "CRIT"},
	{LevelError, config.LevelError, "ERRO"},
	{LevelWarn, config.LevelWarn, "WARN"},
	{LevelInfo, config.LevelInfo, "INFO"},
	{LevelDebug, config.LevelDebug, "DEBG"},
	{LevelTrace, config.LevelTrace, "TRAC"},
	{LevelBlather, config.LevelBlather, "BLAT"},
}

// LevelName returns the four-letter name the main log prints for l
// (loggers.LOG_LEVELS_BY_NUM). A level between two named ones takes the name
// of the lower one, as slog.Level.String does with its "INFO+2" forms; a
// level below LevelBlather is printed BLAT.
func LevelName(l slog.Level) string {
	for _, lv := range levels {
		if l >= lv.level {
			return lv.name
		}
	}
	return "BLAT"
}

// LevelFromConfig converts a loglevel from the configuration (numbered as
// the reference's LevelsByName) to the slog level to filter with. The
// mapping keeps the reference's filter exact: a message at reference level
// r passes loglevel n (r >= n) if and only if its slog level passes the
// returned level. A number between two named levels therefore maps to the
// next named level up, a number at or below BLAT to LevelBlather, and a
// number above CRIT to a level that nothing reaches.
func LevelFromConfig(l config.LogLevel) slog.Level {
	if l > config.LevelCritical {
		return LevelCritical + 1
	}
	for i := len(levels) - 1; i >= 0; i-- {
		if levels[i].ref >= l {
			return levels[i].level
		}
	}
	return LevelCritical + 1 // unreachable: l <= LevelCritical here
}
