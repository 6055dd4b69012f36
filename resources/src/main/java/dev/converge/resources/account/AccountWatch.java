package dev.converge.resources.account;

import dev.converge.resources.PathWatcher;
import dev.converge.resources.ResourceContext;
import dev.converge.resources.watch.EventGate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The watch of both account kinds: an event whenever one of the account files may have changed.
 * shadow-utils (and vipw) write a new file beside the old one and rename it into place, so the
 * files are watched as entries of their directory through the shared {@link PathWatcher}, which
 * sees the rename; an edit in place is seen too.
 *
 * <p>Called on the resource's watch thread, which it holds until interrupted; events raised before
 * the watch is in place are reported as one right after {@code running()}.
 */
final class AccountWatch {

    private AccountWatch() {
    }

    /** Watches {@code files} until the thread is interrupted. */
    static void watch(ResourceContext ctx, List<Path> files) throws Exception {
        var gate = new EventGate(ctx);
        var subscriptions = new ArrayList<PathWatcher.Subscription>();
        try {
            for (Path file : files) {
                subscriptions.add(ctx.paths().subscribe(file, gate::event));
            }
            gate.open();
            Thread.sleep(Long.MAX_VALUE);
        } finally {
            subscriptions.forEach(PathWatcher.Subscription::close);
        }
    }
}
