//! Every string the widget shows, in English, Brazilian Portuguese and Spanish, each one
//! replaceable by the host through a key (see [`KEYS`]). A `{}` in a message stands for a number
//! or a phone number.

use crate::error::{ErrorCode, WidgetError};

/// The widget's languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    /// Brazilian Portuguese.
    Pt,
    Es,
}

impl Lang {
    /// `pt*` is Portuguese, `es*` Spanish, anything else English (ASCII case-insensitive).
    pub fn from_tag(tag: &str) -> Self {
        let tag = tag.trim().as_bytes();
        let prefix = |p: &[u8]| tag.len() >= 2 && tag[..2].eq_ignore_ascii_case(p);
        if prefix(b"pt") {
            Self::Pt
        } else if prefix(b"es") {
            Self::Es
        } else {
            Self::En
        }
    }

    /// The BCP 47 tag written on the widget, for screen readers.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Pt => "pt-BR",
            Self::Es => "es",
        }
    }
}

/// The messages in one language, with the host's overrides on top.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Texts {
    pub lang: Lang,
    /// `(key, text)` pairs; keys as in [`KEYS`].
    pub overrides: Vec<(String, String)>,
}

impl Texts {
    pub fn get(&self, key: Key) -> &str {
        let index = key as usize;
        let name = KEYS[index];
        if let Some((_, text)) = self.overrides.iter().find(|(k, _)| k == name) {
            return text;
        }
        match self.lang {
            Lang::En => EN[index],
            Lang::Pt => PT[index],
            Lang::Es => ES[index],
        }
    }

    /// The message with its `{}` replaced by `value`.
    pub fn fill(&self, key: Key, value: &str) -> String {
        let text = self.get(key);
        // A byte search rather than `replacen`, whose string searcher costs bundle size.
        let at = text.as_bytes().windows(2).position(|pair| pair == b"{}");
        match at.and_then(|at| Some((text.get(..at)?, text.get(at + 2..)?))) {
            Some((head, tail)) => concat(&[head, value, tail]),
            None => text.into(),
        }
    }

    /// The message with its `{}` replaced by `n`.
    pub fn fill_number(&self, key: Key, n: u32) -> String {
        let mut digits = String::new();
        push_u32(&mut digits, n);
        self.fill(key, &digits)
    }

    /// What the error view and the `zapi-error` event say about `error`.
    pub fn error(&self, error: &WidgetError) -> String {
        let key = match error.code {
            ErrorCode::RelayUnreachable => Key::ErrRelayUnreachable,
            ErrorCode::Timeout => Key::ErrTimeout,
            ErrorCode::AccessDenied => Key::ErrAccessDenied,
            ErrorCode::Unauthorized => Key::ErrUnauthorized,
            ErrorCode::SubscriptionExpired => Key::ErrSubscriptionExpired,
            ErrorCode::MalformedResponse => Key::ErrMalformedResponse,
            ErrorCode::RateLimited => match error.retry_after_secs {
                Some(secs) => return self.fill_number(Key::ErrRateLimitedWait, secs),
                None => Key::ErrRateLimited,
            },
            ErrorCode::UpstreamError => Key::ErrUpstreamError,
            ErrorCode::RelayError => Key::ErrRelayError,
            ErrorCode::InvalidPhone => Key::ErrInvalidPhone,
            ErrorCode::InvalidConfig => Key::ErrInvalidConfig,
        };
        self.get(key).into()
    }
}

pub const WARN_PREFIX: &str = "zapi-connect: ";

/// Decimal digits without the formatting machinery, which costs bundle size.
pub fn push_u32(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in digits[..len].iter().rev() {
        out.push(d as char);
    }
}

/// `parts` joined: `[..].concat()` brings the standard library's generic joiner, 1 KB of bundle.
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Every message key, in the order of the tables below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Key {
    Loading,
    Methods,
    MethodQr,
    MethodPhone,
    QrTitle,
    QrSteps,
    QrAlt,
    QrNext,
    CodeExpires,
    PausedTitle,
    PausedText,
    NewCode,
    PhoneLabel,
    PhoneHint,
    PhoneInvalid,
    PhoneContinue,
    PhoneConfirm,
    GetCode,
    ChangeNumber,
    CodeTitle,
    CodeStep1,
    CodeStep2,
    CodeStep3,
    CodeStep4,
    Copy,
    Copied,
    CopyFailed,
    ExpiredText,
    ConnectedTitle,
    ConnectedText,
    AlreadyText,
    RestoreTitle,
    RestoreText,
    CheckAgain,
    Stopped,
    Start,
    ErrorTitle,
    Retry,
    RetryNo,
    ErrRelayUnreachable,
    ErrTimeout,
    ErrAccessDenied,
    ErrSubscriptionExpired,
    ErrMalformedResponse,
    ErrRateLimited,
    ErrRateLimitedWait,
    ErrUpstreamError,
    ErrRelayError,
    ErrInvalidPhone,
    ErrInvalidConfig,
    ErrUnauthorized,
}

/// The names hosts use in `messages` overrides, indexed by [`Key`].
pub const KEYS: [&str; 51] = [
    "loading",
    "methods",
    "method-qr",
    "method-phone",
    "qr-title",
    "qr-steps",
    "qr-alt",
    "qr-next",
    "code-expires",
    "paused-title",
    "paused-text",
    "new-code",
    "phone-label",
    "phone-hint",
    "phone-invalid",
    "phone-continue",
    "phone-confirm",
    "get-code",
    "change-number",
    "code-title",
    "code-step1",
    "code-step2",
    "code-step3",
    "code-step4",
    "copy",
    "copied",
    "copy-failed",
    "expired-text",
    "connected-title",
    "connected-text",
    "already-text",
    "restore-title",
    "restore-text",
    "check-again",
    "stopped",
    "start",
    "error-title",
    "retry",
    "retry-no",
    "err-relay-unreachable",
    "err-timeout",
    "err-access-denied",
    "err-subscription-expired",
    "err-malformed-response",
    "err-rate-limited",
    "err-rate-limited-wait",
    "err-upstream-error",
    "err-relay-error",
    "err-invalid-phone",
    "err-invalid-config",
    "err-unauthorized",
];

const EN: [&str; 51] = [
    "Checking the connection…",
    "How to link",
    "QR code",
    "Phone number",
    "Link your WhatsApp",
    "On your phone open WhatsApp › Settings › Linked devices › Link a device, then scan this code.",
    "QR code to link WhatsApp",
    "New code in {} s",
    "Code expires in {} s",
    "The code has expired",
    "To avoid needless requests, no more codes are fetched until you ask.",
    "Get new code",
    "Your WhatsApp number",
    "With area code, like 11 91234-5678. Country code {} is added if missing.",
    "This is not a valid phone number. Check the area code and the number of digits.",
    "Continue",
    "A code will be requested for {}. Is this your number?",
    "Get code",
    "Use a different number",
    "Enter this code on your phone",
    "Open WhatsApp on the phone with {}.",
    "Go to Settings › Linked devices › Link a device.",
    "Tap “Link with phone number instead”.",
    "Type the code shown here.",
    "Copy code",
    "Copied",
    "Could not copy. Select the code and copy it yourself.",
    "Pairing codes last a few minutes. Ask for a new one to continue.",
    "WhatsApp is connected",
    "Your phone is linked. You can close this window.",
    "This number is already linked; there is nothing to scan.",
    "The session needs to be restored",
    "A WhatsApp session exists but has dropped. Ask your administrator to restore the session; a new code will not help.",
    "Check again",
    "Stopped.",
    "Start",
    "Something went wrong",
    "Try again",
    "Trying again will not help until this is fixed.",
    "Could not reach the connection service. Check your internet connection and try again.",
    "The connection service took too long to answer. Try again in a moment.",
    "This server is not allowed to use the WhatsApp instance. Ask your administrator to check the instance's security settings.",
    "The WhatsApp instance's subscription has expired. Ask your administrator to renew it.",
    "The connection service sent an answer that could not be read. Try again; if it keeps happening, contact your administrator.",
    "Too many requests. Wait a moment, then try again.",
    "Too many requests. Wait {} s, then try again.",
    "The WhatsApp service (Z-API) reported a problem. Try again in a moment.",
    "The connection service answered with an error. Check the widget's relay address or contact your administrator.",
    "WhatsApp did not accept this number. Check it and try again.",
    "The widget has no relay address. Set its relay to your server's Z-API relay URL.",
    "This page's permission to link a phone is missing or has expired. Reload the page.",
];

const PT: [&str; 51] = [
    "Verificando a conexão…",
    "Como conectar",
    "QR code",
    "Número de telefone",
    "Conecte seu WhatsApp",
    "No celular, abra o WhatsApp › Configurações › Dispositivos conectados › Conectar dispositivo e escaneie este código.",
    "QR code para conectar o WhatsApp",
    "Novo código em {} s",
    "O código expira em {} s",
    "O código expirou",
    "Para evitar pedidos desnecessários, nenhum código novo é gerado até você pedir.",
    "Gerar novo código",
    "Seu número do WhatsApp",
    "Com DDD, como 11 91234-5678. O código do país {} é incluído se faltar.",
    "Este número não é válido. Confira o DDD e a quantidade de dígitos.",
    "Continuar",
    "Vamos pedir um código para {}. Este é o seu número?",
    "Gerar código",
    "Usar outro número",
    "Digite este código no celular",
    "Abra o WhatsApp no celular com o número {}.",
    "Vá em Configurações › Dispositivos conectados › Conectar dispositivo.",
    "Toque em “Conectar com número de telefone”.",
    "Digite o código mostrado aqui.",
    "Copiar código",
    "Copiado",
    "Não foi possível copiar. Selecione o código e copie manualmente.",
    "Os códigos duram poucos minutos. Peça um novo para continuar.",
    "WhatsApp conectado",
    "Seu celular está conectado. Você pode fechar esta janela.",
    "Este número já está conectado; não há nada para escanear.",
    "A sessão precisa ser restaurada",
    "Existe uma sessão do WhatsApp, mas ela caiu. Peça ao administrador para restaurar a sessão; um novo código não resolve.",
    "Verificar de novo",
    "Parado.",
    "Iniciar",
    "Algo deu errado",
    "Tentar de novo",
    "Tentar de novo não resolve até isso ser corrigido.",
    "Não foi possível acessar o serviço de conexão. Verifique sua internet e tente de novo.",
    "O serviço de conexão demorou demais para responder. Tente de novo em instantes.",
    "Este servidor não tem permissão para usar a instância do WhatsApp. Peça ao administrador para conferir a segurança da instância.",
    "A assinatura da instância do WhatsApp expirou. Peça ao administrador para renová-la.",
    "O serviço de conexão enviou uma resposta ilegível. Tente de novo; se continuar, fale com o administrador.",
    "Muitos pedidos. Aguarde um pouco e tente de novo.",
    "Muitos pedidos. Aguarde {} s e tente de novo.",
    "O serviço do WhatsApp (Z-API) relatou um problema. Tente de novo em instantes.",
    "O serviço de conexão respondeu com erro. Confira o endereço do relay ou fale com o administrador.",
    "O WhatsApp não aceitou este número. Confira e tente de novo.",
    "O widget está sem endereço de relay. Configure o relay com a URL do seu servidor.",
    "A permissão desta página para conectar um telefone está ausente ou expirou. Recarregue a página.",
];

const ES: [&str; 51] = [
    "Comprobando la conexión…",
    "Cómo vincular",
    "Código QR",
    "Número de teléfono",
    "Vincula tu WhatsApp",
    "En tu teléfono abre WhatsApp › Ajustes › Dispositivos vinculados › Vincular un dispositivo y escanea este código.",
    "Código QR para vincular WhatsApp",
    "Nuevo código en {} s",
    "El código caduca en {} s",
    "El código ha caducado",
    "Para evitar solicitudes innecesarias, no se piden más códigos hasta que lo indiques.",
    "Obtener código nuevo",
    "Tu número de WhatsApp",
    "Con código de área. Se añade el código de país {} si falta.",
    "Este número no es válido. Revisa el código de área y la cantidad de dígitos.",
    "Continuar",
    "Se pedirá un código para {}. ¿Es tu número?",
    "Obtener código",
    "Usar otro número",
    "Introduce este código en tu teléfono",
    "Abre WhatsApp en el teléfono con el número {}.",
    "Ve a Ajustes › Dispositivos vinculados › Vincular un dispositivo.",
    "Toca “Vincular con el número de teléfono”.",
    "Escribe el código que se muestra aquí.",
    "Copiar código",
    "Copiado",
    "No se pudo copiar. Selecciona el código y cópialo.",
    "Los códigos duran pocos minutos. Pide uno nuevo para continuar.",
    "WhatsApp está vinculado",
    "Tu teléfono está vinculado. Puedes cerrar esta ventana.",
    "Este número ya está vinculado; no hay nada que escanear.",
    "Hay que restaurar la sesión",
    "Existe una sesión de WhatsApp pero se cayó. Pide a tu administrador que la restaure; un código nuevo no ayudará.",
    "Comprobar de nuevo",
    "Detenido.",
    "Iniciar",
    "Algo salió mal",
    "Reintentar",
    "Reintentar no servirá hasta que se corrija.",
    "No se pudo contactar el servicio de conexión. Revisa tu conexión a internet y reintenta.",
    "El servicio de conexión tardó demasiado. Reintenta en un momento.",
    "Este servidor no tiene permiso para usar la instancia de WhatsApp. Pide a tu administrador que revise su seguridad.",
    "La suscripción de la instancia de WhatsApp ha caducado. Pide a tu administrador que la renueve.",
    "El servicio de conexión envió una respuesta ilegible. Reintenta; si sigue pasando, contacta a tu administrador.",
    "Demasiadas solicitudes. Espera un momento y reintenta.",
    "Demasiadas solicitudes. Espera {} s y reintenta.",
    "El servicio de WhatsApp (Z-API) informó un problema. Reintenta en un momento.",
    "El servicio de conexión respondió con un error. Revisa la dirección del relay o contacta a tu administrador.",
    "WhatsApp no aceptó este número. Revísalo y reintenta.",
    "El widget no tiene dirección de relay. Configura el relay con la URL de tu servidor.",
    "Falta el permiso de esta página para vincular un teléfono, o venció. Recarga la página.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 15, 120, u32::MAX] {
            let mut s = String::new();
            push_u32(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn languages_come_from_tags() {
        assert_eq!(Lang::from_tag("pt-BR"), Lang::Pt);
        assert_eq!(Lang::from_tag("PT"), Lang::Pt);
        assert_eq!(Lang::from_tag("es-419"), Lang::Es);
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("fr"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
    }

    #[test]
    fn every_language_fills_its_placeholders() {
        for lang in [Lang::En, Lang::Pt, Lang::Es] {
            let texts = Texts {
                lang,
                overrides: Vec::new(),
            };
            assert!(texts.fill_number(Key::QrNext, 12).contains("12"));
            assert!(texts.fill(Key::PhoneConfirm, "+55 11").contains("+55 11"));
            let error = WidgetError::rate_limited(Some(30));
            assert!(texts.error(&error).contains("30"));
            for (i, key) in KEYS.iter().enumerate() {
                let text = [EN, PT, ES][lang as usize][i];
                assert!(!text.is_empty(), "{key}");
                assert_eq!(
                    text.matches("{}").count(),
                    EN[i].matches("{}").count(),
                    "{key} in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn overrides_win_by_key() {
        let texts = Texts {
            lang: Lang::Pt,
            overrides: vec![("retry".into(), "De novo!".into())],
        };
        assert_eq!(texts.get(Key::Retry), "De novo!");
        assert_eq!(texts.get(Key::Start), "Iniciar");
        assert_eq!(KEYS[Key::ErrInvalidConfig as usize], "err-invalid-config");
    }
}
