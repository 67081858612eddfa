"""The edit session (no Qt): state the widgets observe, and undoable user actions over it.

    state.py         immutable values: Edit, DirectionSetState, SeedBase / LatentBase, Change
    edit_session.py  EditSession: the state, its setters, change notifications
    history.py       Command and History (undo/redo, merging a drag into one step)
    editor.py        SessionEditor: what the user does, as commands
"""

from .edit_session import EditSession
from .editor import SessionEditor
from .history import Command, History
from .state import Change, DirectionSetState, Edit, LatentBase, SeedBase

__all__ = ["Change", "Command", "DirectionSetState", "Edit", "EditSession", "History", "LatentBase", "SeedBase",
           "SessionEditor"]
