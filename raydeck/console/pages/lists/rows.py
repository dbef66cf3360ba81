"""A list page's table: its columns, one row per object, and the cells drawn in the browser.

A ``Row`` carries what the table shows and, from ``resources.actions``, whether each
row action may be taken now and why not; the action cells disable a button by it and
say why in its tooltip. Pure data: the page asks the managers.
"""

from __future__ import annotations

from dataclasses import dataclass

from raydeck.console.widgets import status_color
from raydeck.resources.actions import Action, ObjectState, Verdict, allowed
from raydeck.resources.kinds import Kind
from raydeck.resources.meta import age
from raydeck.resources.quantity import format_bytes, format_cpu
from raydeck.resources.summary import State, summarize
from raydeck.store.records import StoredObject


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    sortable: bool = False
    align: str = "right"  # Quasar's own default
    #: The row's field the column shows; its name when not given.
    field: str = ""

    def to_quasar(self) -> dict[str, str | bool]:
        """The column as Quasar's table takes it."""
        return {
            "name": self.name,
            "label": self.label,
            "field": self.field or self.name,
            "sortable": self.sortable,
            "align": self.align,
        }


COLUMNS = (
    Column("name", "Name", sortable=True, align="left"),
    Column("namespace", "Namespace", align="left"),
    Column("type", "Type", align="left"),
    Column("status", "Status", sortable=True, align="left"),
    Column("rayVersion", "Ray", sortable=True, field="ray_version"),
    Column("cpu", "CPU", sortable=True),
    Column("memory", "Memory", sortable=True),
    Column("gpu", "GPU", sortable=True),
    Column("creator", "Creator", sortable=True),
    Column("age", "Age", sortable=True),
    Column("actions", "", field="key"),
)
#: Table column -> the API's sort key.
SORT_KEYS = {
    "name": "name",
    "status": "status",
    "rayVersion": "rayVersion",
    "cpu": "cpu",
    "memory": "memory",
    "gpu": "gpu",
    "creator": "creator",
    "age": "created",
}


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    namespace: str
    type: str
    status: str
    color: str
    ray_version: str
    cpu: str
    memory: str
    gpu: str
    creator: str
    age: str
    href: str
    can_start: bool
    start_tip: str
    can_stop: bool
    stop_tip: str
    can_delete: bool
    delete_tip: str


def row_of(kind: Kind, obj: StoredObject) -> Row:
    summary = summarize(obj.kind, obj.body, obj.status)
    totals = summary.totals
    state = summary.state or State.PENDING
    actions = allowed(
        kind, ObjectState.read(obj.kind, template=obj.is_template, spec=obj.spec, status=obj.status)
    )
    start, stop, delete = (actions[a] for a in (Action.START, Action.STOP, Action.DELETE))
    return Row(
        key=f"{obj.namespace}/{obj.name}",
        name=obj.name,
        namespace=obj.namespace,
        type=obj.type,
        status="-" if obj.is_template else state,
        color=status_color(state),
        ray_version=summary.ray_version or "-",
        cpu=format_cpu(totals.cpu_millis) if totals.cpu_millis else "-",
        memory=format_bytes(totals.memory_bytes) if totals.memory_bytes else "-",
        gpu=str(totals.gpu) if totals.gpu else "-",
        creator=obj.creator or "-",
        age=age(obj.created_at),
        href=f"/{kind.plural}/{obj.namespace}/{obj.name}",
        can_start=start.available,
        start_tip=_tip(kind, start, "Start"),
        can_stop=stop.available,
        stop_tip=_tip(kind, stop, "Stop"),
        can_delete=delete.available,
        delete_tip=_tip(kind, delete, "Delete"),
    )


def _tip(kind: Kind, verdict: Verdict, label: str) -> str:
    """What a row button's tooltip says: its name, or why it is disabled."""
    return label if verdict.available else f"This {kind.name} {verdict.reason}."


NAME_CELL = """
<q-td :props="props">
  <a class="text-primary cursor-pointer" @click="$parent.$emit('open', props.row)">{{ props.value }}</a>
</q-td>
"""
STATUS_CELL = """
<q-td :props="props">
  <q-badge :color="props.row.color" :label="props.value" />
</q-td>
"""
ACTIONS_CELL = """
<q-td :props="props" auto-width>
  <q-btn v-if="props.row.type === 'instance'" flat dense round size="sm" icon="play_arrow"
         :disable="!props.row.can_start" aria-label="Start"
         @click="$parent.$emit('start', props.row)">
    <q-tooltip>{{ props.row.start_tip }}</q-tooltip>
  </q-btn>
  <q-btn v-if="props.row.type === 'instance'" flat dense round size="sm" icon="stop"
         :disable="!props.row.can_stop" aria-label="Stop"
         @click="$parent.$emit('stop', props.row)">
    <q-tooltip>{{ props.row.stop_tip }}</q-tooltip>
  </q-btn>
  <q-btn v-if="props.row.type === 'template'" flat dense round size="sm" icon="rocket_launch"
         title="Create and start an instance" @click="$parent.$emit('instantiate', props.row)" />
  <q-btn flat dense round size="sm" icon="delete" :disable="!props.row.can_delete"
         aria-label="Delete" @click="$parent.$emit('delete', props.row)">
    <q-tooltip>{{ props.row.delete_tip }}</q-tooltip>
  </q-btn>
  <q-btn flat dense round size="sm" icon="open_in_new" title="Open"
         @click="$parent.$emit('open', props.row)" />
</q-td>
"""
