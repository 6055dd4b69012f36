package dev.converge.resources.account;

import dev.converge.resources.Problem;
import java.util.List;
import java.util.regex.Pattern;

/** The syntax rules both account kinds check when a graph loads: names and numeric ids. */
final class AccountNames {

    /**
     * Debian's default {@code NAME_REGEX} of adduser, which useradd's own check (Debian builds
     * of shadow-utils) agrees with: a lowercase letter or {@code _}, then lowercase letters,
     * digits, {@code -} and {@code _}, optionally ending in {@code $} (Samba machine accounts).
     */
    static final Pattern NAME = Pattern.compile("[a-z_][-a-z0-9_]*\\$?");

    /** The longest name shadow-utils accepts on Linux (the size of utmp's user field). */
    static final int MAX_NAME_LENGTH = 32;

    /**
     * The highest id a user or group may have: {@code 2^32 - 2}. {@code 2^32 - 1} is
     * {@code (uid_t) -1}, which chown(2) and setreuid(2) read as "leave unchanged" and which
     * shadow-utils refuses, so no account can own a file under it.
     */
    static final long MAX_ID = 4_294_967_294L;

    private AccountNames() {
    }

    /** Adds an error to {@code problems} unless {@code value} is a valid account name. */
    static void checkName(List<Problem> problems, String field, String what, String value) {
        if (value.length() > MAX_NAME_LENGTH) {
            problems.add(Problem.error(field, what + " '" + value + "' is longer than " + MAX_NAME_LENGTH
                    + " characters"));
        } else if (!NAME.matcher(value).matches()) {
            problems.add(Problem.error(field, what + " '" + value + "' is not a valid name: a lowercase letter or _,"
                    + " then lowercase letters, digits, - and _, optionally ending in $"));
        }
    }

    /** Adds an error to {@code problems} unless {@code id} is null or in 0..{@link #MAX_ID}. */
    static void checkId(List<Problem> problems, String field, Long id) {
        if (id == null) {
            return;
        }
        if (id < 0 || id > MAX_ID) {
            problems.add(Problem.error(field, field + " must be from 0 to " + MAX_ID + ", got " + id
                    + (id == MAX_ID + 1 ? " (4294967295 is (uid_t) -1, which the system reads as 'no id')" : "")));
        }
    }

    /** Adds an error to {@code problems} unless {@code state} is {@code exists} or {@code absent}. */
    static void checkState(List<Problem> problems, String state) {
        if (!state.equals("exists") && !state.equals("absent")) {
            problems.add(Problem.error("state", "state must be 'exists' or 'absent', got '" + state + "'"));
        }
    }
}
