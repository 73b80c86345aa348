"""Demo accounts of "Tỉnh Sông Lam": one per role (the anonymous Public role has none).

The names are invented. FAB keeps first and last name apart: `last_name` is the family name
("Nguyễn"), `first_name` the middle and given names ("Văn An"). Every account gets the demo
password passed to the loader (DEMO_PASSWORD); none is stored here.
"""

EMAIL_DOMAIN = "songlam.gov.vn"

# One dict per account; "unit" is a unit code from app/demo/units.py (None: no unit).
# "roles" is a list: FAB accounts may hold several roles (each demo account holds one).
PEOPLE = [
    {
        "username": "admin",
        "roles": ["Admin"],
        "last_name": "Trần",
        "first_name": "Quốc Bảo",
        "email": "admin@songlam.gov.vn",
        "unit": None,
        "title": "Quản trị hệ thống",
    },
    {
        "username": "tochuc",
        "roles": ["Organiser"],
        "last_name": "Lê",
        "first_name": "Thị Thu Hà",
        "email": "halt.snv@songlam.gov.vn",
        "unit": "SNV",
        "title": "Chuyên viên Phòng Cải cách hành chính, Sở Nội vụ",
    },
    {
        "username": "lanhdao.xa",
        "roles": ["UnitLeader"],
        "last_name": "Nguyễn",
        "first_name": "Văn Hùng",
        "email": "hungnv.lamgiang@songlam.gov.vn",
        "unit": "XA001",
        "title": "Chủ tịch UBND phường Lam Giang",
    },
    {
        "username": "canbo.xa",
        "roles": ["UnitStaff"],
        "last_name": "Phạm",
        "first_name": "Thị Mai",
        "email": "maipt.lamgiang@songlam.gov.vn",
        "unit": "XA001",
        "title": "Công chức Văn phòng - Thống kê phường Lam Giang",
    },
    {
        "username": "canbo.xa2",
        "roles": ["UnitStaff"],
        "last_name": "Hoàng",
        "first_name": "Minh Tuấn",
        "email": "tuanhm.hunglam@songlam.gov.vn",
        "unit": "XA002",
        "title": "Công chức Văn phòng - Thống kê phường Hưng Lam",
    },
    {
        "username": "giupviec",
        "roles": ["SupportMember"],
        "last_name": "Đặng",
        "first_name": "Thị Lan",
        "email": "landt.stp@songlam.gov.vn",
        "unit": "STP",
        "title": "Chuyên viên Sở Tư pháp, thành viên Tổ giúp việc",
    },
    {
        "username": "thamdinh",
        "roles": ["Appraiser"],
        "last_name": "Võ",
        "first_name": "Văn Thắng",
        "email": "thangvv.stc@songlam.gov.vn",
        "unit": "STC",
        "title": "Trưởng phòng Sở Tài chính, thành viên Tổ thẩm định",
    },
    {
        "username": "totruong",
        "roles": ["TeamLeader"],
        "last_name": "Bùi",
        "first_name": "Quang Minh",
        "email": "minhbq.snv@songlam.gov.vn",
        "unit": "SNV",
        "title": "Phó Giám đốc Sở Nội vụ, Tổ trưởng Tổ thẩm định",
    },
    {
        "username": "hoidong",
        "roles": ["Council"],
        "last_name": "Hồ",
        "first_name": "Đức Long",
        "email": "longhd@songlam.gov.vn",
        "unit": "T01",
        "title": "Phó Chủ tịch UBND tỉnh, Chủ tịch Hội đồng thẩm định",
    },
    {
        "username": "xem",
        "roles": ["Viewer"],
        "last_name": "Đỗ",
        "first_name": "Thị Ngọc Ánh",
        "email": "anhdtn.vpub@songlam.gov.vn",
        "unit": "VPUB",
        "title": "Chuyên viên Văn phòng UBND tỉnh",
    },
]

# The appraisal team set up in every demo round: (username, member role in the team).
TEAM_NAME = "Tổ thẩm định số 1"
TEAM_MEMBERS = [
    ("totruong", "leader"),
    ("thamdinh", "appraiser"),
    ("giupviec", "support"),
]

# The appraisal council of every demo round: (username, position in the council).
COUNCIL = [("hoidong", "Phó Chủ tịch UBND tỉnh - Chủ tịch Hội đồng thẩm định")]

# Who opens the rounds (recorded in the change log as the actor).
ROUND_ACTOR = "tochuc"
