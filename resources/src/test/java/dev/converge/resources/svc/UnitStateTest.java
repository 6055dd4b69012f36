package dev.converge.resources.svc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnitStateTest {

    @Test
    void parsesSystemctlShow() {
        UnitState s = UnitState.parse(List.of("LoadState=loaded", "ActiveState=active", "SubState=running",
                "UnitFileState=enabled", "CanReload=yes", "InvocationID=1f2e", "Odd line without equals"));

        assertThat(s).isEqualTo(new UnitState("loaded", "active", "running", "enabled", true, "1f2e"));
        assertThat(s.found()).isTrue();
        assertThat(s.running()).isTrue();
        assertThat(s.enabled()).isTrue();
        assertThat(s.shown()).isEqualTo("active/running");
    }

    /** What the watch reports: drift from the declaration, not the agent's own change in progress. */
    @ParameterizedTest(name = "{0} {1}, declared {2} {3}: drifted {4}")
    @CsvSource({
        "inactive, enabled, running, enabled, true",
        "failed, enabled, running, '', true",
        "activating, enabled, running, enabled, false",
        "deactivating, enabled, running, enabled, false",
        "active, enabled, running, enabled, false",
        "reloading, enabled, running, '', false",
        "active, enabled, stopped, '', true",
        "activating, enabled, stopped, '', true",
        "deactivating, enabled, stopped, '', false",
        "failed, disabled, stopped, disabled, false",
        "active, disabled, running, enabled, true",
        "active, enabled-runtime, running, enabled, false",
        "active, enabled, '', disabled, true",
        "inactive, static, '', disabled, false",
        "inactive, disabled, '', '', false",
    })
    void driftIsADifferenceFromTheDeclaration(String active, String fileState, String state, String startup,
            boolean drifted) {
        var unit = new UnitState("loaded", active, "", fileState, false, "");

        assertThat(unit.driftedFrom(new SvcParams(state, startup, false, "restart"))).isEqualTo(drifted);
    }
}
