package dev.converge.bench.fleet;

import java.time.Duration;
import java.util.Locale;

/** Durations as written on the command line ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code 0}) and in reports. */
final class Durations {

    private Durations() {
    }

    /**
     * Reads {@code 500ms}, {@code 30s}, {@code 1.5s}, {@code 2m}, {@code 1h} or a bare {@code 0}.
     *
     * @throws IllegalArgumentException naming the text when it is none of those, or negative
     */
    static Duration parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        String number;
        long unitNanos;
        if (t.endsWith("ms")) {
            number = t.substring(0, t.length() - 2);
            unitNanos = 1_000_000L;
        } else if (t.endsWith("s")) {
            number = t.substring(0, t.length() - 1);
            unitNanos = 1_000_000_000L;
        } else if (t.endsWith("m")) {
            number = t.substring(0, t.length() - 1);
            unitNanos = 60_000_000_000L;
        } else if (t.endsWith("h")) {
            number = t.substring(0, t.length() - 1);
            unitNanos = 3_600_000_000_000L;
        } else {
            throw new IllegalArgumentException("duration '" + text + "': expected e.g. 500ms, 30s, 2m or 1h");
        }
        double value;
        try {
            value = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("duration '" + text + "': expected e.g. 500ms, 30s, 2m or 1h");
        }
        if (value < 0 || Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("duration '" + text + "' must be >= 0");
        }
        return Duration.ofNanos(Math.round(value * unitNanos));
    }

    /** Milliseconds with one decimal below 10 ms, whole above: {@code 3.2 ms}, {@code 41 ms}, {@code 1.93 s} from 1 s. */
    static String millis(double nanos) {
        double ms = nanos / 1e6;
        if (ms >= 1000) {
            return String.format(Locale.ROOT, "%.2f s", ms / 1000);
        }
        return ms < 10 ? String.format(Locale.ROOT, "%.1f ms", ms) : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    /** Seconds with two decimals: {@code 12.34 s}. */
    static String seconds(double nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** As on the command line: {@code 15s}, {@code 500ms}. */
    static String flag(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.toNanos() % 1_000_000_000L == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }
}
