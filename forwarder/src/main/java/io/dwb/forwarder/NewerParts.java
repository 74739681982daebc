package io.dwb.forwarder;

import io.dwb.runtime.LogText;
import java.util.List;

/**
 * What a listener newer than this forwarder wrote in one of its records and this forwarder does not know
 * ({@link io.dwb.schemas.ContractVersion}): fields left out of the alert, a gap reason delivered as it is.
 *
 * @param someFields the names of the first fields left out ({@link #NAMES_KEPT} at most, each bounded: whoever
 *                   writes the events topic chooses them)
 * @param reason     a gap's reason this forwarder does not list, or null
 */
record NewerParts(List<String> someFields, String reason) {
    static final NewerParts NONE = new NewerParts(List.of(), null);
    static final int NAMES_KEPT = 4;
    static final int MAX_NAME_CHARS = 100;

    NewerParts {
        someFields = someFields.stream().limit(NAMES_KEPT).map(name -> LogText.bounded(name, MAX_NAME_CHARS))
                .toList();
    }

    static NewerParts of(List<String> leftOut, String reason) {
        return leftOut.isEmpty() && reason == null ? NONE : new NewerParts(leftOut, reason);
    }

    boolean any() {
        return !someFields.isEmpty() || reason != null;
    }
}
