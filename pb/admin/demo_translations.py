"""Human translations of the demo's ballot projects (every offered language has a reviewed version before a project goes on the ballot)."""

# Idea index (0..11, the ideas that become Eastside ballot projects) → locale → (title, summary).
# The entry in the idea's own language is the original text, unchanged.
EASTSIDE = {
    0: {
        "en": (
            "Free rides to dialysis and chemo",
            (
                "A volunteer-driver van for residents who miss treatment "
                "because they cannot get there."
            ),
        ),
        "es": (
            "Transporte gratuito a diálisis y quimioterapia",
            (
                "Una camioneta con conductores voluntarios para los residentes que faltan a su "
                "tratamiento porque no tienen cómo llegar."
            ),
        ),
        "ar": (
            "نقل مجاني إلى غسيل الكلى والعلاج الكيميائي",
            "حافلة صغيرة يقودها متطوعون للسكان الذين يفوتهم العلاج لأنهم لا يستطيعون الوصول إليه.",
        ),
    },
    1: {
        "en": (
            "Fruit and vegetable market at the clinic",
            "A weekly market with fresh food at a lower price at the Hillcrest clinic.",
        ),
        "es": (
            "Mercado de frutas y verduras en la clínica",
            (
                "Un mercado semanal con productos frescos a precio reducido "
                "en la clínica de Hillcrest."
            ),
        ),
        "ar": (
            "سوق للفواكه والخضروات في العيادة",
            "سوق أسبوعي للمنتجات الطازجة بسعر مخفض في عيادة هيلكريست.",
        ),
    },
    2: {
        "en": (
            "Walk-in counselling evenings",
            (
                "Two evenings a week with a counsellor at the library, "
                "no appointment or insurance needed."
            ),
        ),
        "es": (
            "Consejería sin cita por las tardes",
            (
                "Dos tardes por semana con un consejero en la biblioteca, "
                "sin necesidad de cita ni seguro médico."
            ),
        ),
        "ar": (
            "إرشاد نفسي مسائي بدون موعد",
            "أمسيتان كل أسبوع مع مرشد نفسي في المكتبة، بدون موعد وبدون تأمين صحي.",
        ),
    },
    3: {
        "en": (
            "Medical interpreters at the clinic",
            (
                "Trained interpreters who go with patients to their medical appointments "
                "and speak their language."
            ),
        ),
        "es": (
            "Intérpretes médicos en la clínica",
            (
                "Intérpretes capacitados que acompañan a los pacientes a sus citas médicas "
                "y hablan su idioma."
            ),
        ),
        "ar": (
            "مترجمون طبيون في العيادة",
            "مترجمون مدربون يرافقون المرضى في المواعيد الطبية بلغتهم.",
        ),
    },
    4: {
        "en": (
            "Emergency home repairs for seniors",
            (
                "Small grants to fix heating, ramps and leaks so older residents can stay "
                "in their homes safely."
            ),
        ),
        "es": (
            "Reparaciones urgentes del hogar para personas mayores",
            (
                "Pequeñas ayudas económicas para arreglar la calefacción, rampas y goteras, "
                "para que las personas mayores puedan seguir viviendo en su casa de forma segura."
            ),
        ),
        "ar": (
            "إصلاحات منزلية عاجلة لكبار السن",
            "منح صغيرة لإصلاح التدفئة والمنحدرات وتسرب المياه، حتى يبقى كبار السن في بيوتهم بأمان.",
        ),
    },
    5: {
        "en": (
            "Lighting on the path to the park",
            "Solar lights on the path between the park and the bus stop.",
        ),
        "es": (
            "Iluminación en el camino al parque",
            "Luces solares en el sendero entre el parque y la parada de autobús.",
        ),
        "ar": (
            "إنارة على الطريق إلى الحديقة",
            "أضواء تعمل بالطاقة الشمسية على الممر بين الحديقة وموقف الحافلات.",
        ),
    },
    6: {
        "en": (
            "Community kitchen cooking classes",
            "Low-cost classes on cooking healthy meals for diabetes, in several languages.",
        ),
        "es": (
            "Clases de cocina en la cocina comunitaria",
            (
                "Clases a bajo costo para aprender a cocinar comidas saludables para la diabetes, "
                "en varios idiomas."
            ),
        ),
        "ar": (
            "دروس طبخ في المطبخ المجتمعي",
            "دروس بتكلفة قليلة لطبخ وجبات صحية لمرضى السكري، بعدة لغات.",
        ),
    },
    7: {
        "en": (
            "Youth peer support program",
            "Train high-school students as peer supporters, with a paid coordinator.",
        ),
        "es": (
            "Programa de apoyo entre jóvenes",
            (
                "Capacitar a estudiantes de secundaria para que apoyen a otros jóvenes, "
                "con un coordinador pagado."
            ),
        ),
        "ar": (
            "برنامج دعم الأقران للشباب",
            "تدريب طلاب المدارس الثانوية ليقدموا الدعم لزملائهم، مع منسق مدفوع الأجر.",
        ),
    },
    8: {
        "en": (
            "Neighbourhood health promoters",
            (
                "Health promoters who visit families to help with appointments, "
                "insurance and medicines."
            ),
        ),
        "es": (
            "Promotoras de salud en el barrio",
            "Promotoras que visitan a familias para ayudar con citas, seguros y medicamentos.",
        ),
        "ar": (
            "عاملات صحة في الحي",
            "عاملات صحة يزرن العائلات للمساعدة في المواعيد والتأمين الصحي والأدوية.",
        ),
    },
    9: {
        "en": (
            "Bus shelter benches near the clinic",
            "Shaded benches at the two bus stops closest to the Old Mill clinic.",
        ),
        "es": (
            "Bancas con techo en las paradas de autobús cerca de la clínica",
            (
                "Bancas con sombra en las dos paradas de autobús más cercanas "
                "a la clínica de Old Mill."
            ),
        ),
        "ar": (
            "مقاعد مظللة في مواقف الحافلات قرب العيادة",
            "مقاعد مظللة في موقفي الحافلات الأقرب إلى عيادة أولد ميل.",
        ),
    },
    10: {
        "en": (
            "Community fridge",
            "A public fridge where neighbours can leave food and take food freely.",
        ),
        "es": (
            "Refrigerador comunitario",
            (
                "Un refrigerador público donde los vecinos pueden dejar comida "
                "y tomar comida libremente."
            ),
        ),
        "ar": (
            "ثلاجة مجتمعية",
            "ثلاجة عامة يمكن للجيران أن يتركوا فيها الطعام ويأخذوا منه بحرية.",
        ),
    },
    11: {
        "en": (
            "Air filters for asthma households",
            "HEPA air purifiers for families with a child who has asthma.",
        ),
        "es": (
            "Purificadores de aire para hogares con asma",
            "Purificadores de aire HEPA para familias que tienen un niño con asma.",
        ),
        "ar": (
            "فلاتر هواء لأسر مرضى الربو",
            "أجهزة لتنقية الهواء بفلاتر HEPA للعائلات التي لديها طفل مصاب بالربو.",
        ),
    },
}

# Northgate project English title → locale → (title, summary); the summary is the title + ".".
NORTHGATE = {
    "Mobile health van stops at the food bank": {
        "es": (
            "Paradas de la unidad móvil de salud en el banco de alimentos",
            "Paradas de la unidad móvil de salud en el banco de alimentos.",
        ),
    },
    "Safe walking routes to Northgate clinic": {
        "es": (
            "Rutas seguras para caminar a la clínica de Northgate",
            "Rutas seguras para caminar a la clínica de Northgate.",
        ),
    },
    "Diabetes cooking classes in Spanish and Somali": {
        "es": (
            "Clases de cocina para la diabetes en español y somalí",
            "Clases de cocina para la diabetes en español y somalí.",
        ),
    },
    "Free bus passes for hospital appointments": {
        "es": (
            "Pases de autobús gratuitos para citas en el hospital",
            "Pases de autobús gratuitos para citas en el hospital.",
        ),
    },
    "Teen mental health drop-in": {
        "es": (
            "Centro de salud mental para adolescentes, sin cita",
            "Centro de salud mental para adolescentes, sin cita.",
        ),
    },
    "Community garden at the senior housing": {
        "es": (
            "Huerto comunitario en las viviendas para personas mayores",
            "Huerto comunitario en las viviendas para personas mayores.",
        ),
    },
    "Air conditioners for heat-sensitive patients": {
        "es": (
            "Aires acondicionados para pacientes sensibles al calor",
            "Aires acondicionados para pacientes sensibles al calor.",
        ),
    },
    "Laundry vouchers for families in shelters": {
        "es": (
            "Vales de lavandería para familias en albergues",
            "Vales de lavandería para familias en albergues.",
        ),
    },
}
