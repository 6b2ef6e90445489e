"""Project tasks. `invoke --list` shows them; `invoke --help <task>` explains one.

The tasks themselves live in watersite/tasks/; this file only gathers them.
"""

from invoke import Collection

from watersite.tasks import bench, deploy, dev, site

namespace = Collection()
for module in (site, deploy, dev, bench):
    for task in Collection.from_module(module).tasks.values():
        namespace.add_task(task)
