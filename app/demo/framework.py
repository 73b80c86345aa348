"""Criteria frameworks (Bộ tiêu chí) of the demo province, as pure data.

Each criterion row is `(code, title, max points)` for a heading, or
`(code, title, max points, rule, flags)` for a scored line, where `rule` is one of the rule dicts
below and `flags` holds "E" (evidence required) and/or "N" (may be marked not applicable).
Headings add up their children; bonus and penalty lines sit outside the 100 points.
"""

# --- scoring rules used by the lines ---------------------------------------------------------
NUM_025 = {"rule": "number", "step": 0.25}
NUM_05 = {"rule": "number", "step": 0.5}
# Survey lines name the survey that gives their points (app/domain/survey.py).
SURVEY_SIPAS = {"rule": "survey", "survey_kind": "sipas"}
SURVEY_OFFICIALS = {"rule": "survey", "survey_kind": "officials"}
SURVEY_SERVICES = {"rule": "survey", "survey_kind": "services"}
BONUS = {"rule": "bonus", "step": 0.25}
PENALTY = {"rule": "penalty", "step": 0.25}
DEDUCT_025 = {"rule": "deduction", "per_occurrence": 0.25, "floor": 0}
DEDUCT_05 = {"rule": "deduction", "per_occurrence": 0.5, "floor": 0}

ISSUED_1 = {
    "rule": "choice",
    "options": (
        ("dung_han", "Ban hành đúng hạn", 1),
        ("cham", "Ban hành chậm", 0.5),
        ("khong", "Không ban hành", 0),
    ),
}
ISSUED_05 = {
    "rule": "choice",
    "options": (
        ("dung_han", "Ban hành đúng hạn", 0.5),
        ("cham", "Ban hành chậm", 0.25),
        ("khong", "Không ban hành", 0),
    ),
}
DONE_05 = {
    "rule": "choice",
    "options": (
        ("day_du", "Thực hiện đầy đủ, đúng quy định", 0.5),
        ("chua_day_du", "Thực hiện chưa đầy đủ", 0.25),
        ("khong", "Không thực hiện", 0),
    ),
}
DONE_1 = {
    "rule": "choice",
    "options": (
        ("day_du", "Thực hiện đầy đủ, đúng quy định", 1),
        ("chua_day_du", "Thực hiện chưa đầy đủ", 0.5),
        ("khong", "Không thực hiện", 0),
    ),
}
YES_NO_05 = {"rule": "choice", "options": (("co", "Có", 0.5), ("khong", "Không", 0))}
PASSED_1 = {"rule": "choice", "options": (("dat", "Đạt", 1), ("khong_dat", "Không đạt", 0))}
ISO_2 = {
    "rule": "choice",
    "options": (
        ("duy_tri", "Áp dụng, duy trì và cải tiến đúng quy định", 2),
        ("chua_day_du", "Áp dụng chưa đầy đủ", 1),
        ("khong", "Không áp dụng", 0),
    ),
}

# Percentage tiers: (from this % up, points).
TIERS_05 = {"rule": "tiers", "tiers": ((100, 0.5), (80, 0.25), (0, 0))}
TIERS_1 = {"rule": "tiers", "tiers": ((100, 1), (80, 0.5), (0, 0))}
TIERS_15 = {"rule": "tiers", "tiers": ((90, 1.5), (70, 1), (50, 0.5), (0, 0))}
TIERS_2 = {"rule": "tiers", "tiers": ((90, 2), (70, 1), (0, 0))}
ON_TIME_2 = {"rule": "tiers", "tiers": ((100, 2), (98, 1.5), (95, 1), (90, 0.5), (0, 0))}
DISBURSE_3 = {"rule": "tiers", "tiers": ((95, 3), (80, 2), (60, 1), (0, 0))}
ON_TIME_5 = {"rule": "tiers", "tiers": ((100, 5), (98, 4), (95, 3), (90, 2), (0, 0))}
ONLINE_6 = {"rule": "tiers", "tiers": ((80, 6), (60, 4), (40, 2), (0, 0))}
DIGITISED_4 = {"rule": "tiers", "tiers": ((100, 4), (80, 3), (60, 2), (0, 0))}

# Five grades: (name, minimum index, field floor). Top grade only if every field reaches 70%.
GRADE_BANDS = [
    ("Xuất sắc", 90, 70),
    ("Tốt", 80, None),
    ("Khá", 70, None),
    ("Trung bình", 50, None),
    ("Yếu", 0, None),
]

# --- commune framework (UBND cấp xã) ---------------------------------------------------------
COMMUNE_CRITERIA = [
    ("1", "Công tác chỉ đạo, điều hành cải cách hành chính", 8),
    ("1.1", "Kế hoạch cải cách hành chính năm", 2),
    ("1.1.1", "Ban hành Kế hoạch CCHC năm của UBND cấp xã", 1, ISSUED_1, "E"),
    ("1.1.2", "Mức độ hoàn thành Kế hoạch CCHC năm", 1, TIERS_1, "E"),
    ("1.2", "Báo cáo cải cách hành chính", 1),
    ("1.2.1", "Báo cáo CCHC định kỳ đầy đủ, đúng hạn", 0.5, DEDUCT_025, "E"),
    ("1.2.2", "Chất lượng, nội dung báo cáo CCHC", 0.5, NUM_025, ""),
    ("1.3", "Kiểm tra, tự kiểm tra công tác cải cách hành chính", 1),
    ("1.3.1", "Ban hành kế hoạch tự kiểm tra công tác CCHC", 0.5, ISSUED_05, "E"),
    ("1.3.2", "Xử lý các tồn tại phát hiện qua kiểm tra", 0.5, TIERS_05, "EN"),
    ("1.4", "Công tác tuyên truyền cải cách hành chính", 1.5),
    ("1.4.1", "Ban hành kế hoạch tuyên truyền CCHC", 0.5, ISSUED_05, "E"),
    ("1.4.2", "Mức độ thực hiện kế hoạch tuyên truyền CCHC", 0.5, TIERS_05, "E"),
    ("1.4.3", "Đa dạng hình thức tuyên truyền CCHC", 0.5, NUM_025, ""),
    ("1.5", "Thực hiện nhiệm vụ UBND tỉnh giao về CCHC", 1.5),
    ("1.5.1", "Tỷ lệ nhiệm vụ được giao hoàn thành đúng hạn", 1, TIERS_1, "E"),
    ("1.5.2", "Nhiệm vụ được giao hoàn thành quá hạn", 0.5, DEDUCT_025, ""),
    ("1.6", "Sự năng động trong chỉ đạo, điều hành CCHC", 1),
    ("1.6.1", "Chủ tịch UBND xã chủ trì đối thoại với người dân về CCHC", 0.5, YES_NO_05, "E"),
    ("1.6.2", "Gắn kết quả CCHC với thi đua, khen thưởng", 0.5, YES_NO_05, ""),
    ("1.7", "Sáng kiến, giải pháp mới trong CCHC (điểm thưởng)", 1, BONUS, "E"),
    ("2", "Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật", 6),
    ("2.1", "Xây dựng, ban hành VBQPPL của HĐND, UBND cấp xã", 2),
    ("2.1.1", "Thực hiện đúng quy trình xây dựng VBQPPL", 1, NUM_025, "EN"),
    ("2.1.2", "Tỷ lệ VBQPPL ban hành đúng kế hoạch", 1, TIERS_1, "N"),
    ("2.2", "Rà soát, hệ thống hóa VBQPPL", 1.5),
    ("2.2.1", "Ban hành kế hoạch rà soát, hệ thống hóa VBQPPL", 0.5, ISSUED_05, "E"),
    ("2.2.2", "Thực hiện rà soát, công bố danh mục VBQPPL", 1, NUM_025, "E"),
    ("2.3", "Theo dõi tình hình thi hành pháp luật", 1),
    ("2.3.1", "Ban hành kế hoạch theo dõi thi hành pháp luật", 0.5, ISSUED_05, "E"),
    ("2.3.2", "Xử lý kết quả theo dõi thi hành pháp luật", 0.5, NUM_025, ""),
    ("2.4", "Phổ biến, giáo dục pháp luật", 1.5),
    ("2.4.1", "Mức độ thực hiện kế hoạch phổ biến, giáo dục pháp luật", 0.5, TIERS_05, ""),
    ("2.4.2", "Xã đạt chuẩn tiếp cận pháp luật", 1, PASSED_1, "E"),
    ("3", "Cải cách thủ tục hành chính", 12),
    ("3.1", "Công khai thủ tục hành chính", 2),
    ("3.1.1", "Niêm yết công khai TTHC tại Bộ phận Một cửa", 1, DEDUCT_025, "E"),
    ("3.1.2", "Công khai TTHC trên Trang thông tin điện tử của xã", 0.5, DONE_05, ""),
    ("3.1.3", "Công khai địa chỉ tiếp nhận phản ánh, kiến nghị", 0.5, YES_NO_05, ""),
    ("3.2", "Thực hiện cơ chế một cửa, một cửa liên thông", 2.5),
    ("3.2.1", "Tỷ lệ TTHC tiếp nhận, trả kết quả tại Bộ phận Một cửa", 1, TIERS_1, "E"),
    ("3.2.2", "Ban hành quy chế hoạt động của Bộ phận Một cửa", 0.5, ISSUED_05, "E"),
    ("3.2.3", "Bố trí công chức, trang thiết bị của Bộ phận Một cửa", 0.5, NUM_025, ""),
    ("3.2.4", "Chế độ phụ cấp cho công chức Bộ phận Một cửa", 0.5, DONE_05, ""),
    ("3.3", "Kết quả giải quyết hồ sơ thủ tục hành chính", 3),
    ("3.3.1", "Tỷ lệ hồ sơ TTHC giải quyết đúng hạn", 2, ON_TIME_2, "E"),
    ("3.3.2", "Xin lỗi người dân, tổ chức khi giải quyết quá hạn", 0.5, DONE_05, "EN"),
    ("3.3.3", "Hồ sơ quá hạn do lỗi của công chức", 0.5, DEDUCT_025, ""),
    ("3.4", "Tiếp nhận, xử lý phản ánh, kiến nghị về TTHC", 1.5),
    ("3.4.1", "Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn", 1, TIERS_1, "N"),
    ("3.4.2", "Công khai kết quả xử lý phản ánh, kiến nghị", 0.5, DONE_05, "N"),
    ("3.5", "Số hóa hồ sơ, kết quả giải quyết TTHC", 2),
    ("3.5.1", "Tỷ lệ hồ sơ được số hóa khi tiếp nhận", 1, TIERS_1, "E"),
    ("3.5.2", "Tỷ lệ kết quả giải quyết TTHC được số hóa", 0.5, TIERS_05, ""),
    ("3.5.3", "Tỷ lệ tái sử dụng dữ liệu đã số hóa", 0.5, TIERS_05, ""),
    ("3.6", "Chế độ thông tin, báo cáo về TTHC", 1),
    ("3.6.1", "Báo cáo kiểm soát TTHC đầy đủ, đúng hạn", 1, DEDUCT_025, "E"),
    ("4", "Cải cách tổ chức bộ máy hành chính nhà nước", 6),
    ("4.1", "Tổ chức bộ máy theo quy định", 2),
    ("4.1.1", "Số lượng cán bộ, công chức cấp xã đúng quy định", 1, DONE_1, "E"),
    ("4.1.2", "Bố trí công chức theo vị trí việc làm", 1, NUM_025, ""),
    ("4.2", "Quy chế làm việc của UBND cấp xã", 1.5),
    ("4.2.1", "Ban hành quy chế làm việc của UBND cấp xã", 0.5, ISSUED_05, "E"),
    ("4.2.2", "Thực hiện quy chế làm việc", 1, NUM_025, ""),
    ("4.3", "Thực hiện phân cấp, ủy quyền", 1.5),
    ("4.3.1", "Thực hiện nhiệm vụ được phân cấp, ủy quyền", 1, TIERS_1, "N"),
    ("4.3.2", "Báo cáo đánh giá việc thực hiện phân cấp", 0.5, DONE_05, "N"),
    ("4.4", "Quản lý thôn, tổ dân phố", 1),
    ("4.4.1", "Sắp xếp thôn, tổ dân phố theo quy định", 0.5, DONE_05, "N"),
    ("4.4.2", "Chế độ đối với người hoạt động không chuyên trách", 0.5, DONE_05, ""),
    ("5", "Cải cách chế độ công vụ", 9),
    ("5.1", "Vị trí việc làm và cơ cấu ngạch công chức", 1.5),
    ("5.1.1", "Xây dựng, điều chỉnh đề án vị trí việc làm", 0.5, ISSUED_05, "E"),
    ("5.1.2", "Tỷ lệ công chức bố trí đúng vị trí việc làm", 1, TIERS_1, ""),
    ("5.2", "Tuyển dụng, sử dụng công chức cấp xã", 1.5),
    ("5.2.1", "Thực hiện tuyển dụng công chức đúng quy định", 1, DONE_1, "EN"),
    ("5.2.2", "Thực hiện chế độ tập sự", 0.5, DONE_05, "N"),
    ("5.3", "Đào tạo, bồi dưỡng cán bộ, công chức", 1.5),
    ("5.3.1", "Mức độ hoàn thành kế hoạch đào tạo, bồi dưỡng", 1, TIERS_1, "E"),
    ("5.3.2", "Tỷ lệ công chức đạt chuẩn trình độ theo quy định", 0.5, TIERS_05, ""),
    ("5.4", "Đánh giá, xếp loại và quản lý cán bộ, công chức", 2.5),
    ("5.4.1", "Đánh giá, xếp loại đúng quy định và thời hạn", 1, DONE_1, "E"),
    ("5.4.2", "Đánh giá gắn với kết quả thực hiện nhiệm vụ", 0.5, NUM_025, ""),
    ("5.4.3", "Cập nhật hồ sơ trên CSDL cán bộ, công chức", 1, TIERS_1, ""),
    ("5.5", "Kỷ luật, kỷ cương hành chính", 2),
    ("5.5.1", "Cán bộ, công chức bị xử lý kỷ luật", 1, DEDUCT_05, ""),
    ("5.5.2", "Kiểm tra công vụ, thực hiện quy tắc ứng xử", 0.5, DONE_05, "E"),
    ("5.5.3", "Thực hiện quy định về văn hóa công sở", 0.5, NUM_025, ""),
    ("5.6", "Bị phê bình, nhắc nhở về kỷ luật, kỷ cương (điểm trừ)", 1, PENALTY, ""),
    ("6", "Cải cách tài chính công", 6),
    ("6.1", "Quản lý, sử dụng ngân sách", 2),
    ("6.1.1", "Ban hành quy chế chi tiêu nội bộ", 0.5, ISSUED_05, "E"),
    ("6.1.2", "Công khai ngân sách theo quy định", 0.5, DONE_05, "E"),
    ("6.1.3", "Tỷ lệ thực hiện dự toán chi thường xuyên", 1, TIERS_1, ""),
    ("6.2", "Giải ngân vốn đầu tư công", 1.5),
    ("6.2.1", "Tỷ lệ giải ngân kế hoạch vốn đầu tư công", 1.5, TIERS_15, "N"),
    ("6.3", "Quản lý, sử dụng tài sản công", 1.5),
    ("6.3.1", "Ban hành quy chế quản lý, sử dụng tài sản công", 0.5, ISSUED_05, "E"),
    ("6.3.2", "Kiểm kê, báo cáo tài sản công", 0.5, DONE_05, ""),
    ("6.3.3", "Sai phạm về tài sản công qua thanh tra, kiểm toán", 0.5, DEDUCT_025, ""),
    ("6.4", "Thanh tra, kiểm tra, kiểm toán tài chính", 1),
    ("6.4.1", "Tỷ lệ kiến nghị sau thanh tra, kiểm toán đã thực hiện", 1, TIERS_1, "N"),
    ("7", "Xây dựng và phát triển chính quyền số, hiện đại hóa nền hành chính", 14),
    ("7.1", "Ứng dụng công nghệ thông tin trong quản lý, điều hành", 2.5),
    ("7.1.1", "Tỷ lệ văn bản đi gửi dưới dạng điện tử", 1, TIERS_1, ""),
    ("7.1.2", "Tỷ lệ văn bản điện tử có chữ ký số", 1, TIERS_1, ""),
    ("7.1.3", "Sử dụng hộp thư điện tử công vụ", 0.5, NUM_025, ""),
    ("7.2", "Trang thông tin điện tử của UBND cấp xã", 1.5),
    ("7.2.1", "Duy trì, cập nhật thông tin trên Trang thông tin điện tử", 1, NUM_025, ""),
    ("7.2.2", "Chuyên mục CCHC trên Trang thông tin điện tử", 0.5, YES_NO_05, ""),
    ("7.3", "Cung cấp dịch vụ công trực tuyến", 4),
    ("7.3.1", "Tỷ lệ hồ sơ TTHC nộp trực tuyến", 1.5, TIERS_15, "E"),
    ("7.3.2", "Tỷ lệ hồ sơ thanh toán phí, lệ phí trực tuyến", 1, TIERS_1, ""),
    ("7.3.3", "Tỷ lệ hồ sơ xử lý trên Hệ thống giải quyết TTHC", 0.5, TIERS_05, ""),
    ("7.3.4", "Tiếp nhận, trả kết quả qua dịch vụ bưu chính công ích", 1, TIERS_1, "N"),
    ("7.4", "Hệ thống quản lý chất lượng TCVN ISO 9001:2015", 1.5),
    ("7.4.1", "Công bố áp dụng hệ thống quản lý chất lượng", 0.5, ISSUED_05, "E"),
    ("7.4.2", "Duy trì, cải tiến hệ thống quản lý chất lượng", 1, NUM_025, ""),
    ("7.5", "Chuyển đổi số, dữ liệu số", 2),
    ("7.5.1", "Làm sạch dữ liệu dân cư theo Đề án 06", 1, TIERS_1, ""),
    ("7.5.2", "Số hóa sổ hộ tịch", 1, TIERS_1, ""),
    ("7.6", "Tổ công nghệ số cộng đồng", 1.5),
    ("7.6.1", "Thành lập và duy trì tổ công nghệ số cộng đồng", 0.5, DONE_05, "E"),
    ("7.6.2", "Tỷ lệ người dân có tài khoản định danh điện tử mức 2", 1, TIERS_1, ""),
    ("7.7", "Bảo đảm an toàn thông tin mạng", 1),
    ("7.7.1", "Thực hiện quy định về an toàn thông tin", 0.5, NUM_025, ""),
    ("7.7.2", "Sự cố mất an toàn thông tin do lỗi chủ quan", 0.5, DEDUCT_025, ""),
    ("8", "Tác động của cải cách hành chính", 39),
    ("8.1", "Sự hài lòng của người dân, tổ chức đối với UBND cấp xã (SIPAS)", 20),
    ("8.1.1", "Tiếp cận dịch vụ", 4, SURVEY_SIPAS, ""),
    ("8.1.2", "Thủ tục hành chính", 4, SURVEY_SIPAS, ""),
    ("8.1.3", "Công chức trực tiếp giải quyết TTHC", 4, SURVEY_SIPAS, ""),
    ("8.1.4", "Kết quả giải quyết TTHC", 4, SURVEY_SIPAS, ""),
    ("8.1.5", "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", 4, SURVEY_SIPAS, ""),
    ("8.2", "Đánh giá của đại biểu HĐND và lãnh đạo các tổ chức chính trị - xã hội", 7),
    ("8.2.1", "Tác động của cải cách thủ tục hành chính", 2, SURVEY_OFFICIALS, ""),
    ("8.2.2", "Tác động của cải cách tổ chức bộ máy", 1.5, SURVEY_OFFICIALS, ""),
    ("8.2.3", "Tác động của cải cách chế độ công vụ", 1.5, SURVEY_OFFICIALS, ""),
    ("8.2.4", "Tác động của chính quyền số", 2, SURVEY_OFFICIALS, ""),
    ("8.3", "Đánh giá của trưởng thôn, tổ trưởng tổ dân phố", 4),
    ("8.3.1", "Công khai, minh bạch thông tin", 2, SURVEY_OFFICIALS, ""),
    ("8.3.2", "Tiếp nhận, xử lý kiến nghị của người dân", 2, SURVEY_OFFICIALS, ""),
    ("8.4", "Sự hài lòng về dịch vụ y tế, giáo dục công", 4),
    ("8.4.1", "Dịch vụ giáo dục công", 2, SURVEY_SERVICES, ""),
    ("8.4.2", "Dịch vụ y tế công", 2, SURVEY_SERVICES, ""),
    ("8.5", "Tác động đến phát triển kinh tế - xã hội", 4),
    ("8.5.1", "Thực hiện các chỉ tiêu phát triển kinh tế - xã hội", 2, TIERS_2, "E"),
    ("8.5.2", "Thực hiện dự toán thu ngân sách nhà nước", 2, TIERS_2, "E"),
]

_SURVEY_NOTE = (
    "Điểm do Sở Nội vụ cập nhật từ kết quả điều tra xã hội học; đơn vị không tự chấm."
    " Đáp án A: 100% số điểm; B: 60%; C: 20%; D: 0."
)

COMMUNE_GUIDANCE = {
    "1.1.1": (
        "Kế hoạch CCHC năm ban hành trước ngày 31/01: 1 điểm; ban hành chậm: 0,5 điểm;"
        " không ban hành: 0 điểm. Tài liệu kiểm chứng: Kế hoạch do Chủ tịch UBND xã ký."
    ),
    "1.1.2": (
        "Tỷ lệ nhiệm vụ trong Kế hoạch CCHC hoàn thành: 100%: 1 điểm; từ 80% đến dưới 100%:"
        " 0,5 điểm; dưới 80%: 0 điểm. Kèm báo cáo CCHC năm có phụ lục nhiệm vụ."
    ),
    "1.2.1": (
        "Đủ các báo cáo quý, 6 tháng, năm gửi đúng hạn: 0,5 điểm. Trừ 0,25 điểm cho mỗi báo"
        " cáo chậm hoặc thiếu; điểm thấp nhất là 0. Nhập số báo cáo chậm hoặc thiếu."
    ),
    "1.3.2": (
        "Tỷ lệ tồn tại qua kiểm tra đã xử lý hoặc kiến nghị xử lý. Chọn Không áp dụng nếu"
        " trong năm không phát hiện tồn tại nào."
    ),
    "1.5.2": "Trừ 0,25 điểm cho mỗi nhiệm vụ hoàn thành quá hạn; điểm thấp nhất là 0.",
    "1.7": (
        "Cộng tối đa 1 điểm cho sáng kiến, giải pháp CCHC được Hội đồng sáng kiến cấp tỉnh"
        " công nhận; điểm thưởng không tính vào tổng điểm tối đa của lĩnh vực."
    ),
    "2.1.1": (
        "Chọn Không áp dụng nếu trong năm HĐND, UBND xã không ban hành VBQPPL;"
        " chỉ số khi đó tính trên điểm tối đa còn lại."
    ),
    "2.4.2": "Theo quyết định công nhận xã đạt chuẩn tiếp cận pháp luật của UBND tỉnh.",
    "3.1.1": (
        "Niêm yết đầy đủ, đúng quy định các TTHC thuộc thẩm quyền: 1 điểm. Trừ 0,25 điểm"
        " cho mỗi TTHC không niêm yết hoặc niêm yết hết hiệu lực; điểm thấp nhất là 0."
    ),
    "3.3.1": (
        "Theo số liệu trên Hệ thống giải quyết TTHC của tỉnh: 100% đúng hạn: 2 điểm; từ 98%:"
        " 1,5 điểm; từ 95%: 1 điểm; từ 90%: 0,5 điểm; dưới 90%: 0 điểm."
    ),
    "3.3.2": (
        "Có văn bản xin lỗi đối với 100% hồ sơ quá hạn. Chọn Không áp dụng nếu trong năm"
        " không có hồ sơ quá hạn."
    ),
    "3.5.1": "Tỷ lệ hồ sơ TTHC được số hóa khi tiếp nhận theo Nghị định số 45/2020/NĐ-CP.",
    "5.5.1": (
        "Trừ 0,5 điểm cho mỗi cán bộ, công chức bị xử lý kỷ luật từ khiển trách trở lên"
        " trong năm; điểm thấp nhất là 0."
    ),
    "5.6": (
        "Trừ tối đa 1 điểm (mỗi lần 0,25 điểm) khi UBND xã bị cấp có thẩm quyền phê bình,"
        " nhắc nhở bằng văn bản về kỷ luật, kỷ cương hành chính."
    ),
    "6.2.1": (
        "Tỷ lệ giải ngân đến 31/01 năm sau: từ 90%: 1,5 điểm; từ 70%: 1 điểm; từ 50%:"
        " 0,5 điểm. Chọn Không áp dụng nếu xã không được giao vốn đầu tư công."
    ),
    "7.3.1": (
        "Tỷ lệ hồ sơ nộp trực tuyến trên tổng số hồ sơ TTHC có cung cấp dịch vụ công trực"
        " tuyến toàn trình, theo số liệu trên Cổng dịch vụ công."
    ),
    "7.3.4": "Chọn Không áp dụng nếu trong năm không phát sinh hồ sơ qua bưu chính công ích.",
    "8.5.1": "Tỷ lệ chỉ tiêu kinh tế - xã hội do HĐND xã giao đạt và vượt kế hoạch.",
}
COMMUNE_GUIDANCE.update(
    {row[0]: _SURVEY_NOTE for row in COMMUNE_CRITERIA if row[3:4] and row[3]["rule"] == "survey"}
)

COMMUNE_FRAMEWORK = {
    "code": "CCHC-XA-{year}",
    "name": "Bộ tiêu chí đánh giá công tác CCHC cấp xã",
    "unit_type": "XA",
    "max_points": 100,
    "legal_basis": (
        "Quyết định số 1520/QĐ-UBND ngày 15/8/2025 của UBND tỉnh Sông Lam ban hành Quy định"
        " đánh giá, xếp loại công tác cải cách hành chính tại UBND cấp xã."
    ),
    "criteria": COMMUNE_CRITERIA,
    "guidance": COMMUNE_GUIDANCE,
    "grade_bands": GRADE_BANDS,
}

# --- department framework (Sở, ban, ngành) ---------------------------------------------------
DEPARTMENT_CRITERIA = [
    ("1", "Công tác chỉ đạo, điều hành cải cách hành chính", 9),
    ("1.1", "Kế hoạch CCHC năm", 3, NUM_05, "E"),
    ("1.2", "Báo cáo CCHC định kỳ", 2, DEDUCT_05, "E"),
    ("1.3", "Công tác tuyên truyền CCHC", 2, NUM_025, ""),
    ("1.4", "Thực hiện nhiệm vụ UBND tỉnh giao", 2, TIERS_2, "E"),
    ("1.5", "Sáng kiến, giải pháp mới trong CCHC (điểm thưởng)", 1, BONUS, "E"),
    ("2", "Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật", 7),
    ("2.1", "Tham mưu xây dựng VBQPPL thuộc lĩnh vực quản lý", 3, NUM_05, "EN"),
    ("2.2", "Rà soát, hệ thống hóa VBQPPL", 2, NUM_05, "E"),
    ("2.3", "Theo dõi tình hình thi hành pháp luật", 2, NUM_05, ""),
    ("3", "Cải cách thủ tục hành chính", 13),
    ("3.1", "Rà soát, đơn giản hóa TTHC", 3, NUM_05, "E"),
    ("3.2", "Công bố, công khai TTHC", 3, DEDUCT_05, "E"),
    ("3.3", "Tỷ lệ hồ sơ TTHC giải quyết đúng hạn", 5, ON_TIME_5, "E"),
    ("3.4", "Tiếp nhận, xử lý phản ánh, kiến nghị về TTHC", 2, TIERS_2, "N"),
    ("4", "Cải cách tổ chức bộ máy hành chính nhà nước", 7),
    ("4.1", "Sắp xếp tổ chức bộ máy theo quy định", 3, NUM_05, "E"),
    ("4.2", "Quản lý, sử dụng biên chế", 2, NUM_05, ""),
    ("4.3", "Thực hiện phân cấp, ủy quyền", 2, NUM_05, "N"),
    ("5", "Cải cách chế độ công vụ", 11),
    ("5.1", "Vị trí việc làm và cơ cấu ngạch công chức, viên chức", 3, NUM_05, "E"),
    ("5.2", "Tuyển dụng, bổ nhiệm công chức, viên chức", 3, NUM_05, "N"),
    ("5.3", "Mức độ hoàn thành kế hoạch đào tạo, bồi dưỡng", 2, TIERS_2, ""),
    ("5.4", "Kỷ luật, kỷ cương hành chính", 3, DEDUCT_05, ""),
    ("5.5", "Bị phê bình, nhắc nhở về kỷ luật, kỷ cương (điểm trừ)", 2, PENALTY, ""),
    ("6", "Cải cách tài chính công", 7),
    ("6.1", "Tỷ lệ giải ngân vốn đầu tư công", 3, DISBURSE_3, "N"),
    ("6.2", "Thực hiện cơ chế tự chủ tài chính", 2, NUM_05, ""),
    ("6.3", "Quản lý, sử dụng tài sản công", 2, NUM_05, ""),
    ("7", "Xây dựng và phát triển chính quyền số", 16),
    ("7.1", "Ứng dụng CNTT trong quản lý, điều hành", 4, NUM_05, ""),
    ("7.2", "Tỷ lệ hồ sơ TTHC nộp trực tuyến", 6, ONLINE_6, "E"),
    ("7.3", "Tỷ lệ hồ sơ, kết quả giải quyết TTHC được số hóa", 4, DIGITISED_4, ""),
    ("7.4", "Hệ thống quản lý chất lượng TCVN ISO 9001:2015", 2, ISO_2, "E"),
    ("8", "Tác động của cải cách hành chính", 30),
    ("8.1", "Sự hài lòng của người dân, tổ chức (SIPAS)", 15, SURVEY_SIPAS, ""),
    ("8.2", "Đánh giá của lãnh đạo, công chức về công tác CCHC", 9, SURVEY_OFFICIALS, ""),
    ("8.3", "Đánh giá của đại biểu HĐND tỉnh", 6, SURVEY_OFFICIALS, ""),
]

DEPARTMENT_FRAMEWORK = {
    "code": "CCHC-SBN-{year}",
    "name": "Bộ chỉ số CCHC các sở, ban, ngành",
    "unit_type": "SBN",
    "max_points": 100,
    "legal_basis": (
        "Quyết định số 1519/QĐ-UBND ngày 15/8/2025 của UBND tỉnh Sông Lam ban hành Bộ chỉ số"
        " xác định Chỉ số cải cách hành chính của các sở, ban, ngành."
    ),
    "criteria": DEPARTMENT_CRITERIA,
    "guidance": {
        "1.2": "Trừ 0,5 điểm cho mỗi báo cáo chậm hoặc thiếu; điểm thấp nhất là 0.",
        "3.3": "100% đúng hạn: 5 điểm; từ 98%: 4; từ 95%: 3; từ 90%: 2; dưới 90%: 0.",
        "8.1": _SURVEY_NOTE,
        "8.2": _SURVEY_NOTE,
        "8.3": _SURVEY_NOTE,
    },
    "grade_bands": GRADE_BANDS,
}

FRAMEWORKS = [COMMUNE_FRAMEWORK, DEPARTMENT_FRAMEWORK]
