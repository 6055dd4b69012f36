package dev.converge.resources.svc;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Unit names as {@code systemctl} reads them: a name without a unit type suffix means the
 * {@code .service} of that name ({@code nginx} is {@code nginx.service}, {@code getty@tty1} is
 * {@code getty@tty1.service}); a template ({@code getty@.service}) cannot be started or enabled
 * without an instance. Stateless.
 */
final class UnitName {

    /** The unit types systemd knows; a name ending in another suffix gets {@code .service}. */
    static final Set<String> TYPES = Set.of("service", "socket", "target", "device", "mount", "automount", "swap",
            "timer", "path", "slice", "scope");

    /** A unit name's prefix: systemd's allowed characters, an optional {@code @instance}. */
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9:_.\\\\-]+(@[A-Za-z0-9:_.\\\\-]*)?");

    /** systemd's limit on a unit name's length. */
    static final int MAX_LENGTH = 255;

    private UnitName() {
    }

    /** {@code name} with {@code .service} added when it has no unit type suffix, as systemctl does. */
    static String full(String name) {
        int dot = name.lastIndexOf('.');
        if (dot > 0 && TYPES.contains(name.substring(dot + 1))) {
            return name;
        }
        return name + ".service";
    }

    /** What is wrong with {@code name} as a unit to start or enable, or empty when nothing is. */
    static Optional<String> problem(String name) {
        String full = full(name);
        String prefix = full.substring(0, full.lastIndexOf('.'));
        if (name.isEmpty()) {
            return Optional.of("the name (the unit) is required");
        }
        if (name.startsWith("-")) {
            return Optional.of("invalid unit name '" + name + "': it starts with '-'");
        }
        if (prefix.startsWith("@")) {
            return Optional.of("invalid unit name '" + name + "': nothing before the @");
        }
        if (!PREFIX.matcher(prefix).matches()) {
            return Optional.of("invalid unit name '" + name + "': letters, digits and : _ . \\ -, with one"
                    + " optional @ before a template instance");
        }
        if (full.length() > MAX_LENGTH) {
            return Optional.of("invalid unit name '" + name + "': longer than " + MAX_LENGTH + " characters");
        }
        if (prefix.endsWith("@")) {
            return Optional.of("'" + full + "' is a template: name an instance, like "
                    + prefix + "NAME." + full.substring(full.lastIndexOf('.') + 1));
        }
        return Optional.empty();
    }

    /**
     * The unit's D-Bus object path under {@code /org/freedesktop/systemd1/unit/}: every byte but
     * ASCII letters (and digits not in first place) escaped as {@code _xx}, as systemd does.
     */
    static String objectPath(String fullName) {
        var path = new StringBuilder("/org/freedesktop/systemd1/unit/");
        byte[] bytes = fullName.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean letter = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
            boolean digit = i > 0 && b >= '0' && b <= '9';
            if (letter || digit) {
                path.append((char) b);
            } else {
                path.append('_').append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            }
        }
        return path.toString();
    }

    /** The template of an instance ({@code getty@.service} for {@code getty@tty1.service}), if it is one. */
    static Optional<String> template(String fullName) {
        int at = fullName.indexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        return Optional.of(fullName.substring(0, at + 1) + fullName.substring(fullName.lastIndexOf('.')));
    }
}
