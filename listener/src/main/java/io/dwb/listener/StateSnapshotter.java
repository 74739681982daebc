package io.dwb.listener;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.StateSnapshot;
import java.time.Instant;

/** The state record that follows a gap: every container the engine knows, as GET /containers/json?all=1 says. */
final class StateSnapshotter {
    private final EngineConnection engine;

    StateSnapshotter(EngineConnection engine) {
        this.engine = engine;
    }

    StateSnapshot take() {
        long now = ContractJson.epochNanos(Instant.now());
        return new StateSnapshot(ContractJson.rfc3339(now), now, engine.containers());
    }
}
