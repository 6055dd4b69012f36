package dev.converge.resources.process;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The environment a command starts with: the agent's (less {@link #SERVICE_MANAGER_ONLY}), with
 * variables added or replaced, kept as
 * the {@code NAME=value} C strings {@code posix_spawn} takes. The agent's own is encoded once,
 * so a command that adds nothing costs no copy. Immutable; any thread.
 */
final class Environment {

    /**
     * What systemd gives the agent's own service: a command the agent starts must not tell systemd
     * it is ready, or pet the watchdog, in the agent's name (sd_notify(3) unsets them for the same reason).
     */
    static final Set<String> SERVICE_MANAGER_ONLY = Set.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID");

    private static final Environment AGENT = new Environment(withoutServiceManagerVariables(System.getenv()));

    private final Map<String, String> variables;
    private final byte[][] entries;

    private Environment(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
        this.entries = new byte[variables.size()][];
        int i = 0;
        for (Map.Entry<String, String> e : this.variables.entrySet()) {
            entries[i++] = (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The agent's environment, then each map of {@code added} in turn. */
    @SafeVarargs
    static Environment agentWith(Map<String, String>... added) {
        boolean none = true;
        for (Map<String, String> a : added) {
            none &= a.isEmpty();
        }
        if (none) {
            return AGENT;
        }
        var variables = new HashMap<>(AGENT.variables);
        for (Map<String, String> a : added) {
            variables.putAll(a);
        }
        return new Environment(variables);
    }

    static Map<String, String> withoutServiceManagerVariables(Map<String, String> variables) {
        var kept = new HashMap<>(variables);
        kept.keySet().removeAll(SERVICE_MANAGER_ONLY);
        return kept;
    }

    /** The value of {@code name}, or {@code otherwise} when it is not set. */
    String get(String name, String otherwise) {
        return variables.getOrDefault(name, otherwise);
    }

    /** The {@code NAME=value} entries, UTF-8 without a terminator; callers must not change them. */
    byte[][] entries() {
        return entries;
    }
}
