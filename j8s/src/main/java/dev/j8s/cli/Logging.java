package dev.j8s.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.System.Logger.Level;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Sends {@link System.Logger} (through java.util.logging) to stderr, one line per record:
 * {@code 2025-01-02T03:04:05.678Z INFO  ServerCommand: serving url=https://127.0.0.1:6443}.
 * Thread-safe.
 */
final class Logging {

    /** Set before java.util.logging starts (see {@link Main#main}) so that log lines survive until shutdown ends. */
    static final String MANAGER_PROPERTY = "java.util.logging.manager";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** java.util.logging holds loggers weakly; a level set on one that is collected would be lost. */
    private static final Logger JETTY = Logger.getLogger("org.eclipse.jetty");

    private Logging() {}

    /** Replaces every root handler with one that writes {@link OneLine} records to stderr. */
    static void install() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler stderr = new StreamHandler(System.err, new OneLine()) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                flush();
            }

            @Override
            public synchronized void close() {
                flush();
            }
        };
        stderr.setLevel(java.util.logging.Level.ALL);
        root.addHandler(stderr);
        setLevel(Level.INFO);
    }

    /** Logs {@code level} and above; Jetty's own INFO chatter only from DEBUG on. */
    static void setLevel(Level level) {
        java.util.logging.Level jul = toJul(level);
        Logger.getLogger("").setLevel(jul);
        JETTY.setLevel(
                jul.intValue() <= java.util.logging.Level.FINE.intValue() ? jul : java.util.logging.Level.WARNING);
    }

    static java.util.logging.Level toJul(Level level) {
        return switch (level) {
            case ALL -> java.util.logging.Level.ALL;
            case TRACE -> java.util.logging.Level.FINER;
            case DEBUG -> java.util.logging.Level.FINE;
            case INFO -> java.util.logging.Level.INFO;
            case WARNING -> java.util.logging.Level.WARNING;
            case ERROR -> java.util.logging.Level.SEVERE;
            case OFF -> java.util.logging.Level.OFF;
        };
    }

    /** The one-line format. */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder(160)
                    .append(TIME.format(record.getInstant())).append(' ')
                    .append(levelName(record.getLevel())).append(' ')
                    .append(shortName(record.getLoggerName())).append(": ")
                    .append(formatMessage(record).replace('\n', ' '));
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.append('\n').append(trace.toString().stripTrailing());
            }
            return line.append('\n').toString();
        }

        private static String levelName(java.util.logging.Level level) {
            int v = level.intValue();
            if (v >= java.util.logging.Level.SEVERE.intValue()) {
                return "ERROR";
            } else if (v >= java.util.logging.Level.WARNING.intValue()) {
                return "WARN ";
            } else if (v >= java.util.logging.Level.INFO.intValue()) {
                return "INFO ";
            } else if (v >= java.util.logging.Level.FINE.intValue()) {
                return "DEBUG";
            }
            return "TRACE";
        }

        private static String shortName(String logger) {
            if (logger == null || logger.isEmpty()) {
                return "root";
            }
            return logger.substring(logger.lastIndexOf('.') + 1);
        }
    }

    /**
     * A log manager whose {@link #reset()} does nothing: the JDK's own shutdown hook resets logging while
     * other hooks still run, which would silence the server's last lines ("stopping", "stopped").
     */
    public static final class KeepHandlersUntilExit extends LogManager {
        @Override
        public void reset() {
            // Deliberately empty; install() removes the handlers it replaces itself.
        }
    }
}
