package dev.converge.resources.process;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment a command starts with: the agent's, with variables added or replaced, kept as
 * the {@code NAME=value} C strings {@code posix_spawn} takes. The agent's own is encoded once,
 * so a command that adds nothing costs no copy. Immutable; any thread.
 */
final class Environment {

    private static final Environment AGENT = new Environment(System.getenv());

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

    /** The value of {@code name}, or {@code otherwise} when it is not set. */
    String get(String name, String otherwise) {
        return variables.getOrDefault(name, otherwise);
    }

    /** The {@code NAME=value} entries, UTF-8 without a terminator; callers must not change them. */
    byte[][] entries() {
        return entries;
    }
}
