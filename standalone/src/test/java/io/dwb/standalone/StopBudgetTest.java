package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The stop's deadline against what kills the process after SIGTERM: wazuh-modulesd (the wodle) or systemd. */
class StopBudgetTest {
    @Test
    void underWazuhModulesdTheStopEndsBeforeItsKillTimeout() {
        StopBudget wodle = StopBudget.of(null, Optional.of("/var/ossec/bin/wazuh-modulesd"));
        assertThat(wodle.total()).isEqualTo(Duration.ofSeconds(8)).isLessThan(Duration.ofSeconds(10));
        assertThat(wodle.bridge()).isEqualTo(Duration.ofSeconds(6)); // 2 s for the broker's close
        assertThat(StopBudget.of(null, Optional.of("/var/ossec/bin/ossec-modulesd"))).isEqualTo(wodle);
        assertThat(StopBudget.of(null, Optional.of("/var/ossec/bin/wazuh-modulesd (deleted)")))
                .as("modulesd's binary replaced by an upgrade, modulesd not restarted yet").isEqualTo(wodle);
    }

    @Test
    void otherwiseTheStopEndsBeforeTheUnitsTimeoutStopSec() {
        for (Optional<String> parent : java.util.List.of(Optional.of("/usr/lib/systemd/systemd"),
                Optional.of("/usr/bin/bash"), Optional.<String>empty())) {
            StopBudget service = StopBudget.of(null, parent);
            assertThat(service.total()).isEqualTo(Duration.ofSeconds(55)).isLessThan(Duration.ofSeconds(60));
            assertThat(service.bridge()).isEqualTo(Duration.ofSeconds(50));
        }
    }

    @Test
    void theOptionWins() {
        StopBudget asked = StopBudget.of(Duration.ofSeconds(28), Optional.of("/var/ossec/bin/wazuh-modulesd"));
        assertThat(asked.total()).isEqualTo(Duration.ofSeconds(28));
        assertThat(asked.bridge()).isEqualTo(Duration.ofSeconds(23));
        assertThat(StopBudget.of(Duration.ofMillis(500), Optional.empty()).bridge()).isEqualTo(Duration.ZERO);
    }

    @Test
    void theParentOfThisProcessIsKnown() {
        assertThat(StopBudget.parentCommand()).isPresent(); // surefire's java, as root or not
    }
}
