package dev.converge.agent.converger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.agent.engine.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the host's state is judged from the statuses, and how it reads in {@code systemctl status}. */
class HostStateTest {

    @Test
    void idleWithEveryResourceRightIsConverged() {
        var state = HostState.of(List.of(Status.OK, Status.CHANGED, Status.OK), true, 3);

        assertThat(state.phase()).isEqualTo(HostState.Phase.CONVERGED);
        assertThat(state.settled()).isTrue();
        assertThat(state.describe()).isEqualTo("converged: 3 resources, generation 3");
        assertThat(HostState.of(List.of(Status.OK), true, 1).describe()).isEqualTo("converged: 1 resource, generation 1");
    }

    @Test
    void busyIsApplyingWithWhatRunsAndWhatFailed() {
        var state = HostState.of(List.of(Status.RUNNING, Status.RUNNING, Status.FAILED, Status.PENDING, Status.OK),
                false, 2);

        assertThat(state.phase()).isEqualTo(HostState.Phase.APPLYING);
        assertThat(state.settled()).as("the first pass is not over").isFalse();
        assertThat(state.describe()).isEqualTo("applying: 2 of 5 running, 1 failed, generation 2");
    }

    @Test
    void idleWithAFailureIsNotConverged() {
        var state = HostState.of(List.of(Status.FAILED, Status.SKIPPED, Status.SKIPPED, Status.OK), true, 1);

        assertThat(state.phase()).isEqualTo(HostState.Phase.FAILED);
        assertThat(state.settled()).isTrue();
        assertThat(state.describe()).isEqualTo("not converged: 1 of 4 failed, 2 skipped, generation 1");
    }

    @Test
    void noGraphYetIsWaitingForOne() {
        var state = HostState.of(List.of(), false, 0);

        assertThat(state.settled()).as("nothing to pass over").isTrue();
        assertThat(state.describe()).isEqualTo("waiting for a graph");
    }
}
