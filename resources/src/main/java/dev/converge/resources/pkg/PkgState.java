package dev.converge.resources.pkg;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The parsed {@code state} of a pkg resource.
 *
 * <p>Invariant: {@code version} is non-empty exactly when {@code mode} is {@link Mode#VERSION};
 * it then contains a digit, no whitespace, and does not start with {@code -}.
 */
record PkgState(Mode mode, String version) {

    enum Mode { INSTALLED, UNINSTALLED, NEWEST, VERSION }

    /** Debian and RPM version characters; a leading digit or letter, so never an option. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+~^:_-]*");

    PkgState {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(version, "version");
        if ((mode == Mode.VERSION) == version.isEmpty()) {
            throw new IllegalArgumentException("a version goes with mode VERSION only");
        }
    }

    /**
     * Parses a {@code state} field.
     *
     * @throws IllegalArgumentException with a message fit for the user when it is not valid
     */
    static PkgState parse(String state) {
        switch (state) {
            case "installed":
                return new PkgState(Mode.INSTALLED, "");
            case "uninstalled":
                return new PkgState(Mode.UNINSTALLED, "");
            case "newest":
                return new PkgState(Mode.NEWEST, "");
            case "":
                throw new IllegalArgumentException("state cannot be empty; use installed, uninstalled,"
                        + " newest or a version");
            case "latest":
                throw new IllegalArgumentException("state 'latest' is not valid; did you mean 'newest'?");
            default:
                break;
        }
        if (!VERSION.matcher(state).matches() || state.chars().noneMatch(Character::isDigit)) {
            throw new IllegalArgumentException("state must be installed, uninstalled, newest or a version"
                    + " (letters, digits and . + ~ ^ : _ -, with at least one digit), got '" + state + "'");
        }
        return new PkgState(Mode.VERSION, state);
    }

    /** The part of the group key that this state contributes: all version pins share one. */
    String groupClass() {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
