"""The message catalogue: what planners and city offices read, in Chinese by default.

One entry per message, ``key: (中文, English)``, both ``str.format`` templates with the same
fields (an English plural ``{s}`` may be the one field Chinese leaves out). ``say(key,
**fields)`` returns the text in the current language: ``zh`` unless
``MINSHI_LANG=en`` (or ``minshi-geo --lang en …``, which sets it) — English is kept for
developers and their tests. Locations keep naming file, sheet, row and column in both.
"""

from __future__ import annotations

import os

ENV = "MINSHI_LANG"
LANGS = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # CLI frame
    "cli.error": ("错误：", "error: "),
    "cli.hint": ("提示：", "hint: "),
    "cli.warning": ("注意：", "warning: "),
    # where in a returned sheet
    "at.cell": ("{where} 第{row}行 {heading}列（{col}）", "{where} row {row}, column {heading} ({col})"),
    "at.row": ("{file}{sheet} 第{row}行", "{file}{sheet} row {row}"),
    "at.sheet": ("「{sheet}」表", " sheet {sheet}"),
    # cell values of returned sheets
    "value.number": ("应为不小于 0 的数字{unit}", "expected a number ≥ 0{unit}"),
    "value.number_unit": ("（单位：{unit}）", " in {unit}"),
    "value.got": ("{expected}，实际为 {got}", "{expected}, got {got}"),
    "value.got_date": ("{expected}，实际为日期 {day}", "{expected}, got a date {day}"),
    "value.date": ("应为日期，如 2023-06-30 或 2023年6月30日",
                   "expected a date such as 2023-06-30 or 2023年6月30日"),
    "value.no_such_day": ("{expected}，实际为 {got}（没有这一天）", "{expected}, got {got} (no such day)"),
    "value.status": ("应为 {choices} 之一，实际为 {got}", "expected one of {choices}, got {got}"),
    # import checks (importer.py)
    "import.outside_plan": ("{at}，截至日期列：{day} 不在 {plan} 的实施期内（{start} – {end}）{more}，"
                            "逾期报送最晚可到 {limit}",
                            "{at}, column 截至日期: {day} is outside plan {plan} "
                            "({start} – {end}){more}; a late report is accepted up to {limit}"),
    "import.unknown_target": ("{at}，指标编号列：方案 {plan} 中没有指标 {target}",
                              "{at}, column 指标编号: unknown target {target} — not in plan {plan}"),
    "import.not_allocated": ("{at}，指标编号列：指标 {target}（{metric}）没有分解给 {region}（{code}）",
                             "{at}, column 指标编号: target {target} ({metric}) was not allocated "
                             "to {region} ({code})"),
    "import.rate_above_100": ("{at}，累计完成列：{target}（{metric}）应为 0–100 的百分数，实际为 {value}",
                              "{at}, column 累计完成: expected a percentage 0–100 for {target} "
                              "({metric}), got {value}"),
    "import.far_above": ("{at}，累计完成列：{target}（{metric}）{value} {unit}是分解任务 {quantity} 的 "
                         "{ratio}，请核对单位",
                         "{at}, column 累计完成: {target} ({metric}) {value} {unit}is {ratio} of "
                         "the {quantity} allocated — check the unit"),
    "import.above_task": ("{at}，累计完成列：{target}（{metric}）{value} {unit}超过分解任务 {quantity}"
                          "（{ratio}），已按超额完成记录，请核实",
                          "{at}, column 累计完成: {target} ({metric}) {value} {unit}is above the "
                          "{quantity} allocated ({ratio}); stored as over-fulfilled — please check"),
    # --- rules room: import warnings for implausible reports (importer.py, store.py)
    "import.rows_take_period_end": ("；未填日期的行取本期截至日期",
                                    "; rows without their own date take 本期截至日期"),
    "import.late_report": ("{at}，截至日期列：{day} 晚于 {plan} 的实施期（{start} – {end}），"
                           "已按逾期报送记录（最晚可到 {limit}），请核实{more}",
                           "{at}, column 截至日期: {day} is after plan {plan}'s period "
                           "({start} – {end}); stored as a late report (accepted up to {limit}) "
                           "— please check{more}"),
    "import.early_report": ("{at}，截至日期列：{day} 早于 {plan} 的实施期（{start} – {end}），"
                            "已记录，请核实{more}",
                            "{at}, column 截至日期: {day} is before plan {plan}'s period "
                            "({start} – {end}); stored — please check{more}"),
    "import.falling": ("{at}，累计完成列：{target} 累计完成 {value} 低于 {when} 报送的 {before}（累计数不应减少），"
                       "已按本期报送记录，请核实",
                       "{at}, column 累计完成: target {target} cumulative {value} is below {before} stored for "
                       "{when} (cumulative values should not go down); stored as reported — "
                       "please check"),
    "import.above_later": ("{at}，累计完成列：{target} 累计完成 {value} 高于较晚一期 {when} 报送的 {after}"
                           "（累计数不应减少），已记录，请核实",
                           "{at}, column 累计完成: target {target} cumulative {value} is above {after} stored for "
                           "the later period {when} (cumulative values should not go down); "
                           "stored — please check"),
    "status.falling": ("累计数低于此前报送（按最新报送显示，请核实）：{rows}",
                       "cumulative below an earlier report (shown as last reported, please "
                       "check): {rows}"),
    "status.outside_period": ("截至日期不在实施期 {start} – {end} 内（已记录，请核实）：{rows}",
                              "period end outside the plan period {start} – {end} (stored, "
                              "please check): {rows}"),
    # --- rules room: structural problems of a returned sheet (sheets/reader.py)
    "at.problem": ("{at}：{what}", "{at}: {what}"),
    "reader.hint": ("请修改所列单元格后重新报送；本文件的数据均未导入",
                    "correct the cells named and send the file again; nothing from this file was "
                    "imported"),
    "at.field": ("{where} 第{row}行 {field}栏（{col}列）", "{where} row {row}, field {field} ({col})"),
    "value.too_large_date": ("{expected}，实际为一个作为日期过大的数字（Excel 显示 #VALUE!）",
                             "{expected}, got a number too large for a date (Excel shows #VALUE!)"),
    "reader.not_xlsx": ("{file}：不是可读取的 Excel 工作簿（.xlsx）（{why}）",
                        "{file}: not an Excel workbook (.xlsx) that can be read ({why})"),
    "reader.hint_xlsx": ("请报送 `minshi-geo sheets` 生成的 .xlsx 文件，另存为 .xlsx（不是 .xls）",
                         "send the .xlsx file produced by `minshi-geo sheets`, saved as .xlsx "
                         "(not .xls)"),
    "reader.no_task_sheet": ("{file}：没有 {sheet} 表，也没有带任务表表头（{id}、{completed}）的表",
                             "{file}: no sheet {sheet} and no sheet with the task table headings "
                             "({id}, {completed})"),
    "reader.hint_task_sheet": ("请报送 `minshi-geo sheets` 生成的任务分解表",
                               "send back the task sheet produced by `minshi-geo sheets`"),
    "reader.not_text": ("{file}：不是文本文件", "{file}: not a text file"),
    "reader.bad_csv": ("{file}：不是可读取的 CSV 表格（{why}）", "{file}: not a readable CSV table ({why})"),
    "reader.hint_csv": ("请报送 .xlsx 任务分解表，或重新另存为 CSV",
                        "send the .xlsx task sheet, or save it again as CSV"),
    "reader.missing_columns": ("{where} 第{row}行：缺少 {columns} 列",
                               "{where} row {row}: missing column {columns}"),
    "reader.hint_columns": ("请勿重命名或删除任务分解表的列",
                            "do not rename or delete the columns of the task sheet"),
    "reader.more_problems": ("（本文件另有 {more} 个问题）", " (and {more} more problem{s} in this file)"),
    "reader.wrong_suffix": ("{file}：应为 .xlsx 工作簿或 .csv 文件，实际为 {got}",
                            "{file}: expected an .xlsx workbook or a .csv file, got {got}"),
    "reader.no_extension": ("无扩展名", "no extension"),
    "reader.hint_xls": ("旧版 .xls 文件须先另存为 .xlsx", "an old .xls file must be saved as .xlsx first"),
    "reader.no_heading": ("{where}：没有含 {id} 和 {completed} 的表头行",
                          "{where}: no heading row with {id} and {completed}"),
    "reader.row_without_id": ("{at}：填报的行应有指标编号，实际为空（任务分解表不能增加行）",
                              "{at}: expected the target id of a reported row, got nothing (rows "
                              "may not be added to the task sheet)"),
    "reader.foreign_id": ("{at}：应为本表的指标编号之一，实际为 {got}",
                          "{at}: expected one of the sheet's target ids, got {got}"),
    "reader.twice": ("{at}：指标 {target} 出现两次（另见第{other}行）",
                     "{at}: target {target} appears twice (also row {other})"),
    "reader.rows_missing": ("{where}：缺少指标 {targets} 的行（任务分解表不能删除行）",
                            "{where}: rows for targets {targets} are missing (rows may not be "
                            "deleted from the task sheet)"),
    "reader.uncomputed": ("{at}：应为数值，实际为未保存计算结果的公式（请直接填写数值）",
                          "{at}: expected a value, got a formula whose result was not saved (type "
                          "the value itself)"),
    "reader.no_date": ("{at}：应为日期，如 2023-06-30（或表头的{field}），实际为空",
                       "{at}: expected a date such as 2023-06-30 (or {field} at the top), got "
                       "nothing"),
    "reader.identity_mismatch": ("{where}：表格标识 {visible} 与本表隐藏的标识 {hidden} 不一致",
                                 "{where}: 表格标识 {visible} does not match the sheet's hidden "
                                 "identity {hidden}"),
    "reader.hint_identity_mismatch": ("表头是从其他地区的表粘贴来的；请按收到的原表报送",
                                      "the header of another region's sheet was pasted in; send "
                                      "back the sheet as received"),
    "reader.no_identity": ("{where}：没有表格标识——既没有隐藏的 {sheet} 表，也没有表头的{field}行",
                           "{where}: no identity — neither the hidden {sheet} sheet nor the "
                           "{field} line of the header"),
    "reader.hint_no_identity": ("请报送 `minshi-geo sheets` 生成的任务分解表，不要删除表头各行",
                                "send back the task sheet produced by `minshi-geo sheets` without "
                                "removing its header rows"),
    "reader.header_edited": ("：应为本表标识中的 {expected}，实际为 {got}",
                             ": expected {expected} as in the sheet's identity, got {got}"),
    "reader.nothing": ("空", "nothing"),
    "reader.hint_header_edited": ("各地区按收到的原表报送本地区的表，不要修改表头——请向省级办公室索取本地区的表",
                                  "each region returns its own sheet as received; do not edit the "
                                  "header — ask the provincial office for your region's sheet"),
    # --- rules room: import problems (importer.py)
    "import.empty_folder": ("{folders}：文件夹中没有 .xlsx 或 .csv 报送文件",
                            "{folders}: no .xlsx or .csv report files in this folder"),
    "import.hint_empty_folder": ("请给出保存报送表的文件夹，或直接给出文件",
                                 "give the folder the returned sheets were saved in, or the files"),
    "import.no_files": ("没有给出报送文件", "no report files given"),
    "import.not_found": ("{file}：找不到文件", "{file}: file not found"),
    "import.same_region_twice": ("{file}：报送 {region}（{code}）{day} 的数据，同一批导入中的 {other} "
                                 "也是；请只导入正确的一份",
                                 "{file}: reports {region} ({code}) for {day}, as does {other} in "
                                 "the same import; import the one that is right"),
    "import.other_plan": ("{file}：本表属于方案 {theirs}，不是 {ours}（{title}）",
                          "{file}: the sheet is for plan {theirs}, not {ours} ({title})"),
    "import.other_scenario_mark": ("由另一分解方案生成", "made from another scenario"),
    "import.other_scenario": ("{file}：本表由另一分解方案生成（{theirs}，sha256 {theirs_sha}），"
                              "不是正在跟踪的分解结果（{ours}，sha256 {ours_sha}）",
                              "{file}: the sheet was made from another scenario ({theirs}, sha256 "
                              "{theirs_sha}), not from the allocation being tracked ({ours}, "
                              "sha256 {ours_sha})"),
    "import.hint_other_scenario": ("用 --allocation 指向生成这些表的分解结果文件夹后导入，或向各地区下发当前的表",
                                   "import with --allocation pointing to the allocation the sheets "
                                   "were made from, or send the regions the current sheets"),
    "import.region_name": ("（{name}）", " ({name})"),
    "import.did_you_mean": ("；是否为 {names}？", "; did you mean {names}?"),
    "import.unknown_region": ("{file}：地区 {code}{name}不在地区集 {set} 中{hint}",
                              "{file}: unknown region {code}{name} — not in region set {set}{hint}"),
    "import.nothing_reported": ("{file}：没有报送内容——没有一行填写了累计完成、进展状态或备注并有截至日期"
                                "（截至日期或本期截至日期）",
                                "{file}: nothing reported — no row has 累计完成, 进展状态 or 备注 "
                                "with a period end (截至日期 or 本期截至日期)"),
    "import.more_rows": ("（另有 {more} 行）", " (and {more} more rows)"),
    "import.two_periods": ("{at}，截至日期列：{day} 与其他行的 {other} 不同{more}；一份报送表只报一期",
                           "{at}, column 截至日期: {day} differs from {other} in other rows{more}; "
                           "one returned sheet reports one period"),
    "import.hint": ("请修改所列单元格后重新导入；本次导入的数据均未存入",
                    "correct the cells named and import again; nothing from this import was "
                    "stored"),
    # --- rules room: the progress store (store.py, cli/progress.py)
    "store.bad_url": ("--db {url}：{why}", "--db {url}: {why}"),
    "store.not_url": ("不是数据库地址", "not a database URL"),
    "store.port_not_number": ("端口不是数字", "port is not a number"),
    "store.other_database": ("--db {url}：本工具不能使用的数据库（{backend}；仅支持 SQLite 或 PostgreSQL）",
                             "--db {url}: not a database URL this tool can use (database "
                             "{backend}; SQLite or PostgreSQL only)"),
    "store.hint_url": ("请给出 sqlite:///路径/minshi.db 或 postgresql+psycopg://用户@主机:5432/库名"
                       "（--db 或 MINSHI_DB）",
                       "give sqlite:///path/to/minshi.db or postgresql+psycopg://user@host:5432/db "
                       "(--db or MINSHI_DB)"),
    "store.no_folder": ("--db {url}：文件夹 {folder} 不存在", "--db {url}: folder {folder} does not exist"),
    "store.hint_no_folder": ("请先建立该文件夹，或给出其他路径", "create the folder first or give another path"),
    "store.no_driver": ("--db {url}：未安装数据库驱动 {driver}（{why}）",
                        "--db {url}: the database driver {driver} is not installed ({why})"),
    "store.not_database": ("进度库 {url}：不是数据库文件（{detail}）",
                           "database {url}: not a database file ({detail})"),
    "store.hint_not_database": ("--db / MINSHI_DB 指向了其他文件；请给出进度库（minshi.db）的路径",
                                "--db / MINSHI_DB names some other file; give the progress store "
                                "(minshi.db)"),
    "store.locked": ("进度库 {url} 被其他程序占用（{detail}）", "database {url}: locked by another "
                     "program ({detail})"),
    "store.hint_locked": ("请稍后再试；若一直占用，请关闭正在使用该文件的程序",
                          "try again in a moment; if it stays locked, close the program using "
                          "the file"),
    "store.wrong_schema": ("进度库 {url}：不是本工具的进度库（表 {table} 缺少列 {columns}）",
                           "database {url}: not a minshi-geo progress store (table {table} lacks "
                           "column {columns})"),
    "store.hint_wrong_schema": ("请用 --db 指定一个新文件或本工具建立的进度库",
                                "give --db a new file or a progress store this tool made"),
    "store.failed": ("进度库 {url}：{detail}", "database {url}: {detail}"),
    "store.hint": ("请检查 --db / MINSHI_DB，以及数据库服务器是否在运行",
                   "check --db / MINSHI_DB and that the database server is running"),
    "store.missing": ("{path} 处没有进度库（尚未导入任何报送）",
                      "no progress store at {path} (nothing imported there yet)"),
    "store.hint_import": ("请先导入各地区报送表：minshi-geo progress import {folder}{allocation}",
                          "import returned sheets first: minshi-geo progress import "
                          "{folder}{allocation}"),
    # --- rules room: progress commands (cli/progress.py, status.py)
    "import.rejected": ("报送表未通过检查", "report rejected"),
    "import.more_nothing_stored": ("（另有 {more} 个问题；未存入任何数据）",
                                   " (and {more} more problem{s}; nothing stored)"),
    "import.nothing_stored": ("（未存入任何数据）", " (nothing stored)"),
    "progress.bad_as_of": ("--as-of {text}：应为日期，如 2023-06-30",
                           "--as-of {text}: expected a date like 2023-06-30"),
    "progress.bad_format": ("--format {fmt}：应为 table、csv 或 json",
                            "--format {fmt}: expected table, csv or json"),
    "progress.bad_docx": ("--docx {path}：文件名应以 .docx 结尾",
                          "--docx {path}: expected a file name ending in .docx"),
    "progress.sheets_written": ("{regions} 个地区通报表和汇总表（截至 {day}）→ {out}",
                                "{regions} region workbooks + summary (截至 {day}) → {out}"),
    "progress.docx_written": ("通报（截至 {day}）→ {path}", "通报 (截至 {day}) → {path}"),
    "progress.sample_written": ("{count} 份示例报送表 → {out}（{seconds:.1f} 秒）；导入：minshi-geo "
                                "progress import {out}/*.xlsx",
                                "{count} 示例 sheets → {out} ({seconds:.1f} s); import them with: "
                                "minshi-geo progress import {out}/*.xlsx"),
    "progress.on_or_before": ("（{day} 及以前）", " on or before {day}"),
    "progress.first_period": ("第一个报告期是 {first}：请用 --as-of {first} 或更晚的日期",
                              "the first reporting period is {first}: use --as-of {first} or "
                              "later"),
    "progress.no_reports": ("{db} 中没有方案 {plan} 的进度报送{where}",
                            "no progress reports{where} for plan {plan} in {db}"),
    "status.other_allocation": ("进度库中有 {files} 份报送表由另一分解结果生成（sha256 {theirs}；"
                                "如 {example}），不是所给的分解结果（sha256 {ours}）",
                                "the store holds {files} report file(s) made from another "
                                "allocation (scenario sha256 {theirs}; e.g. {example}), not from "
                                "the one given (sha256 {ours})"),
    "status.hint_other_allocation": ("请用 --allocation 指定生成这些表的分解结果文件夹",
                                     "pass --allocation with the allocation folder the sheets "
                                     "were made from"),
    "status.empty": ("状态表为空：本方案没有进度报送",
                     "the status table is empty: no progress reports for this plan"),
    "import.replaced_before": ("{file}：此文件以前导入过，后来被第 {by} 号文件替换；仅保留在历史中",
                               "{file}: this file was imported before and later replaced by file "
                               "#{by}; it stays in history only"),
    "import.no_allocation": ("没有给出分解结果文件夹（报送表须对照生成它们的分解结果检查）",
                             "no allocation folder given (the reports must be checked against the "
                             "allocation their sheets were made from)"),
    "import.hint_no_allocation": ("请用 --allocation DIR 指定 `minshi-geo allocate SCENARIO --out DIR` "
                                  "写出的文件夹",
                                  "pass --allocation DIR, the folder written by `minshi-geo "
                                  "allocate SCENARIO --out DIR`"),
    # progress import summary
    "import.imported": ("已导入", "imported"),
    "import.replaced": ("替换了第 {file_id} 号文件", "replaced file #{file_id}"),
    "import.unchanged": ("已导入过（无变化）", "already imported (no change)"),
    "import.line": ("{file}：{what} — {region} {period}，{lines} 行",
                    "{file}: {what} — {region} {period}, {lines} lines"),
    "import.summary": ("导入 {imported} 个，替换 {replaced} 个，无变化 {unchanged} 个 → {url}（{seconds:.1f} 秒）",
                       "{imported} imported, {replaced} replaced, {unchanged} unchanged → {url} "
                       "({seconds:.1f} s)"),
    "import.problems": ("{count} 个问题，未存入任何数据：{first}",
                        "{count} problem(s) — nothing stored: {first}"),
    # status
    "status.above_task": ("超过分解任务（请核实）：{rows}", "above the allocated task (please check): {rows}"),
    # allocate / compare summaries (cli/allocate.py)
    "allocate.engine": ("--engine {engine!r}：应为 {choices} 之一", "--engine {engine!r}: expected one of {choices}"),
    "allocate.summary": ("{targets} 个指标 × {regions} 个地区，求解器：{solver}，用时 {seconds:.2f} 秒，目标函数值 {objective:.4f}",
                         "{targets} targets × {regions} regions, solver: {solver}, {seconds:.2f} s, objective {objective:.4f}"),
    "allocate.sample": ("示例：本方案使用示例数据，不能用于实际分解",
                        "示例/sample: this scenario uses sample data — not for real planning"),
    "allocate.written": ("已写出：{out}/allocation.csv、allocation.json、factors.csv、explanation.csv{extra}",
                         "written: {out}/allocation.csv, allocation.json, factors.csv, explanation.csv{extra}"),
    "allocate.written_robustness": ("、robustness.csv", ", robustness.csv"),
    "compare.title": ("{a} → {b}：{total} 个指标×地区中 {changed} 个有变化",
                      "{a} → {b}: {changed} of {total} target × region cells change"),
    "compare.columns": ("指标编号|指标|地区|之前|之后|变化|单位|原因",
                        "target|metric|region|before|after|change|unit|why"),
    "compare.sample": ("示例：至少一方使用示例数据", "示例/sample data in at least one side"),
    "compare.written": ("已写出：{out}/comparison.csv", "written: {out}/comparison.csv"),
}


def lang() -> str:
    """The current language: ``$MINSHI_LANG`` when it is ``en``/``zh``, else ``zh``."""
    value = (os.environ.get(ENV) or "zh").strip().lower()
    return value if value in LANGS else "zh"


def set_lang(value: str) -> None:
    """Set the language for this process (and the processes it starts)."""
    if value not in LANGS:
        raise ValueError(f"--lang {value!r}: expected zh or en")
    os.environ[ENV] = value


def say(key: str, **fields: object) -> str:
    """The message ``key`` in the current language, filled with ``fields``."""
    zh, en = MESSAGES[key]
    return (en if lang() == "en" else zh).format(**fields)


# One-line `--help` descriptions planners read, by command path (the English stays in the code).
HELP_ZH: dict[str, str] = {
    "": "把省级民生实事方案分解到各地区：目标清单、任务分解、地图、任务分解表和进度调度。",
    "allocate": "按方案分解任务，结果写入 --out 文件夹（allocation.csv 等）。",
    "compare": "比较两个分解方案：每个指标、每个地区的差异，变化大的在前。",
    "demo": "用内置的吉林省 2023 年数据跑一遍完整流程（含示例进度）。",
    "explain": "说明每个地区的数是怎么算出来的（因素、份额、约束、取整）。",
    "extract": "从方案文本提取目标清单草稿，低置信度的目标标出待核对。",
    "regions": "列出分解单位（地区）及其边界和名称。",
    "indicators": "列出分解因素（人口、地区生产总值、面积等）及来源。",
    "serve": "启动办公室服务器（填报、看板、测算工作台）。",
    "sheets": "为每个地区生成任务分解表，并生成汇总表。",
    "start": "从方案文本一键生成：目标清单、基准方案、分解结果、地图和任务分解表。",
    "baseline": "为目标清单生成基准分解方案（建议因素，待核对）。",
    "targets": "列出方案的目标清单（数量、单位、类型、原文）。",
    "boundaries": "边界数据。",
    "boundaries build": "从原始数据重建地区边界文件。",
    "progress": "进度调度：导入各地区报送表、序时进度和红黄绿灯、通报表。",
    "progress import": "导入各地区报送的进度表；任一文件有错则全部不导入。",
    "progress status": "进度状态：任务、累计完成、完成率、序时进度、差距和灯色；推进缓慢名单。",
    "progress sheets": "生成各地区和汇总的进度通报表。",
    "progress sample": "生成示例进度报送表（虚构数据，标明示例）。",
    "map": "离线交互地图（每张一个独立 HTML 文件）。",
    "map allocation": "分配地图：选指标看各地区数量、每万人、占全省比例。",
    "map compare": "方案比较地图：B 相对 A 的增减。",
    "map progress": "进度地图：各指标灯色或完成率，可按报告期拖动。",
    "scenario": "方案表：用 Excel 编辑分解方案。",
    "scenario workbook": "把方案写成 Excel 工作簿（规则、方案、说明三张表）。",
    "scenario yaml": "把方案工作簿转回方案 YAML 文件。",
    "users": "办公室服务器的账户管理。",
    "users add": "新增账户。",
    "users disable": "停用账户。",
    "users enable": "启用账户。",
    "users passwd": "重设密码。",
    "users list": "列出账户。",
}


def lang_from_argv(argv: list[str]) -> str:
    """``--lang en`` / ``--lang=en`` on the command line, else :func:`lang` (read before
    the command line is parsed, so that ``--help`` texts are in that language too)."""
    for k, arg in enumerate(argv):
        if arg == "--lang" and k + 1 < len(argv):
            return argv[k + 1] if argv[k + 1] in LANGS else lang()
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
            return value if value in LANGS else lang()
    return lang()
