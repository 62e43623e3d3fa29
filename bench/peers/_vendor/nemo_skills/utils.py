# Copyright (c) 2024, NVIDIA CORPORATION.  All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# Vendored excerpt for bench/peers: only get_logger_name() from
# https://github.com/NVIDIA/NeMo-Skills/blob/0b012df8a09cd4730d31b16e90a0d8f13d145fb8/nemo_skills/utils.py
# (lines 39-43, unchanged), which is all that nemo_skills/evaluation/math_grader.py imports.
# The rest of the original module (fire, rich, file utils, ...) is not needed.

from pathlib import Path


def get_logger_name(file):
    if "/nemo_skills/" in file:
        return "nemo_skills" + file.split("nemo_skills")[1].replace("/", ".").replace(".py", "")
    else:
        return f"[external] {Path(file).stem}"
