package dev.converge.resources.file;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code mode} parameter: an octal number ({@code 0644}, {@code 644}, {@code 1777}) or chmod's
 * symbolic form ({@code u=rw,go=r}, {@code a+x}, {@code u+rwx,g-w}, {@code g+s}, {@code +t}).
 *
 * <p>Octal sets the mode outright. Symbolic clauses apply left to right to a starting mode: the
 * path's current mode, or for a path about to be created {@code 0666} (file) or {@code 0777}
 * (directory); the umask plays no part, and a clause with no {@code ugoa} letters means
 * {@code a}. {@code X} adds execute only for a directory or a mode that already has an execute
 * bit. Immutable.
 */
sealed interface ModeSpec {

    /** The mode of a new file that symbolic clauses start from. */
    int NEW_FILE = 0666;
    /** The mode of a new directory that symbolic clauses start from. */
    int NEW_DIRECTORY = 0777;

    /** The mode this spec asks for, given the path's current mode and whether it is a directory. */
    int apply(int current, boolean directory);

    /** The spec as the user wrote it. */
    String text();

    /** The mode a path about to be created gets. */
    default int forNew(boolean directory) {
        return apply(directory ? NEW_DIRECTORY : NEW_FILE, directory);
    }

    /**
     * Parses a mode.
     *
     * @throws IllegalArgumentException with a message fit for the user when {@code text} is
     *     neither form
     */
    static ModeSpec parse(String text) {
        if (OctalMode.FORM.matcher(text).matches()) {
            int mode = Integer.parseInt(text, 8);
            if (mode > 07777) {
                throw new IllegalArgumentException("octal mode '" + text + "' is larger than 7777");
            }
            return new OctalMode(text, mode);
        }
        return SymbolicMode.parse(text);
    }

    /** An octal mode: the same whatever the current mode. */
    record OctalMode(String text, int mode) implements ModeSpec {

        static final Pattern FORM = Pattern.compile("[0-7]{1,5}");

        @Override
        public int apply(int current, boolean directory) {
            return mode;
        }
    }

    /**
     * Symbolic clauses, each {@code who} bits (a mask of the affected permission, set-id and
     * sticky bits), an operator and the bits it names.
     */
    record SymbolicMode(String text, List<Clause> clauses) implements ModeSpec {

        private static final Pattern CLAUSE = Pattern.compile("[ugoa]*([-+=][rwxXst]*)+");

        record Clause(int who, char op, String perms) {
        }

        public SymbolicMode {
            clauses = List.copyOf(clauses);
        }

        static SymbolicMode parse(String text) {
            var clauses = new ArrayList<Clause>();
            for (String part : text.split(",", -1)) {
                if (!CLAUSE.matcher(part).matches()) {
                    throw new IllegalArgumentException("mode '" + text
                            + "' is neither octal (0644) nor symbolic (u=rw,go=r; a+x; u+rwx,g-w)");
                }
                int i = 0;
                int who = 0;
                while ("ugoa".indexOf(part.charAt(i)) >= 0) {
                    who |= whoMask(part.charAt(i++));
                }
                if (who == 0) {
                    who = whoMask('a');
                }
                while (i < part.length()) {
                    char op = part.charAt(i++);
                    int start = i;
                    while (i < part.length() && "-+=".indexOf(part.charAt(i)) < 0) {
                        i++;
                    }
                    clauses.add(new Clause(who, op, part.substring(start, i)));
                }
            }
            return new SymbolicMode(text, clauses);
        }

        /** The bits a {@code ugoa} letter may touch: its rwx bits, its set-id bit, the sticky bit. */
        private static int whoMask(char c) {
            return switch (c) {
                case 'u' -> 04700;
                case 'g' -> 02070;
                case 'o' -> 01007;
                default -> 07777;
            };
        }

        @Override
        public int apply(int current, boolean directory) {
            int mode = current & 07777;
            for (Clause c : clauses) {
                int bits = 0;
                for (char p : c.perms().toCharArray()) {
                    bits |= switch (p) {
                        case 'r' -> 0444;
                        case 'w' -> 0222;
                        case 'x' -> 0111;
                        case 'X' -> directory || (mode & 0111) != 0 ? 0111 : 0;
                        case 's' -> 06000;
                        default -> 01000;
                    };
                }
                bits &= c.who();
                mode = switch (c.op()) {
                    case '+' -> mode | bits;
                    case '-' -> mode & ~bits;
                    default -> (mode & ~c.who()) | bits;
                };
            }
            return mode;
        }
    }
}
