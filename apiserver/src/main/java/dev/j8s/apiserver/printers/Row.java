package dev.j8s.apiserver.printers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The cells of one Table row (each a {@link String} or a {@link Long}) and its optional row conditions.
 * Immutable and thread-safe as long as nobody mutates the condition nodes.
 */
record Row(List<Object> cells, List<ObjectNode> conditions) {

    Row {
        cells = List.copyOf(cells);
        conditions = List.copyOf(conditions);
        for (Object c : cells) {
            if (!(c instanceof String) && !(c instanceof Long)) {
                throw new IllegalArgumentException("a cell is a string or an int64, not " + c.getClass());
            }
        }
    }

    static Row of(Object... cells) {
        return new Row(List.of(cells), List.of());
    }
}
