package dev.converge.resources.svc;

import dev.converge.resources.ResourceException;
import dev.converge.resources.ResourceId;
import java.util.List;

/**
 * A unit did not reach the state its svc resource declares: {@code systemctl} failed to start,
 * stop, restart, reload, enable or disable it, or it failed right after starting. The message
 * names the unit and what went wrong and ends with the last lines of the unit's journal, so a
 * summary can say why.
 */
public final class UnitFailedException extends ResourceException {

    private final String unit;
    private final List<String> journal;

    /**
     * @param unit    the unit's full name, e.g. {@code nginx.service}
     * @param what    what failed, e.g. {@code systemctl start nginx.service exited with status 1}
     * @param journal the unit's last journal lines, oldest first; may be empty
     */
    UnitFailedException(ResourceId id, String unit, String what, List<String> journal) {
        super(id, what + (journal.isEmpty() ? "; its journal has no lines"
                : "; last " + journal.size() + " line(s) of its journal:\n" + String.join("\n", journal)));
        this.unit = unit;
        this.journal = List.copyOf(journal);
    }

    /** The unit's full name. */
    public String unit() {
        return unit;
    }

    /** The unit's last journal lines when it failed, oldest first. */
    public List<String> journal() {
        return journal;
    }
}
