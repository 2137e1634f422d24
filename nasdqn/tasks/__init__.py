"""Layer 1, the tasks (numpy, Gymnasium): the paper's pendulum and any discrete-action Gymnasium environment, behind one
interface (nasdqn/tasks/base.py). Importing this package registers every task class."""
from nasdqn.tasks import gymnasium_task, pendulum_task  # noqa: F401  (register their Task classes)
from nasdqn.tasks.base import GifFrames, Task, TaskInfo, TaskSettings, VecEnv, make_task

__all__ = ["GifFrames", "Task", "TaskInfo", "TaskSettings", "VecEnv", "make_task"]
