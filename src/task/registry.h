#pragma once
// Finding task files by name: directories from $SCEVAL_TASK_PATH (':'-separated), then the
// bundled tasks/ folder. A --task argument that names an existing file is loaded directly; one that
// is neither a task name nor a regular file is refused as what it is ("is a directory", a device).
#include <string>
#include <vector>

#include "task/task.h"

namespace sceval::task {

struct TaskEntry {
  std::string name;
  std::string path;
};

std::vector<std::string> task_dirs();
// The file FOLDER/NAME.EXT in the first task directory that has it (quiz files, simulate prompts);
// an error naming FOLDER/NAME.EXT and where it was looked for when none has it.
std::string find_in_task_dirs(const std::string& folder, const std::string& name, const std::string& ext);
std::vector<TaskEntry> list_tasks();  // sorted by name; first directory wins on duplicates
// The task file a name or path stands for (the same search as resolve_task).
std::string resolve_task_path(const std::string& name_or_path);
Task resolve_task(const std::string& name_or_path);

}  // namespace sceval::task
